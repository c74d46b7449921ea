import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchKernels
import BiomatchStore
import BiomatchSupport
import Crypto
import Dispatch
import Foundation
import Synchronization

/// Enrolls thousands of images into a store: decode → detect/extract → quality gate →
/// duplicate check → seal → store, with every core busy, resumable and exactly-once.
///
/// Items are extracted in parallel (`jobs` workers, OpenCV single-threaded per worker) in
/// chunks, and decided and committed strictly in input order, one transaction per chunk.
/// So the outcome of every item — including which of two look-alike subjects is flagged
/// as a duplicate — is the same whatever `jobs` is and however often the run is
/// interrupted and resumed. A reference's id is derived from the subject and the SHA-256
/// of the image, so an image enrolled once is never stored twice; a rerun skips what is
/// stored and decides the rest.
public final class BatchEnrollment: Sendable {
    /// Tuning and policy.
    public struct Options: Sendable {
        /// Worker threads (each uses one core).
        public var jobs = 2
        /// Hold duplicate suspects instead of enrolling them with a flag.
        public var holdDuplicates = false
        /// Least finger quality (0–100) to enroll (faces use the pipeline's floor).
        public var fingerQualityFloor = 20
        /// Resolution of finger images.
        public var fingerDPI = 500
        /// The duplicate check's false-positive identification rate per new reference: the
        /// chance that someone is flagged as a duplicate of another subject when they are not.
        /// The per-comparison FMR is this divided by the gallery size (references at the
        /// start plus the input's items), and the threshold is read off the matcher's
        /// calibration, extrapolated along its strictest segment when that rate is beyond it.
        public var duplicateFPIR = 1e-4
        /// Items per chunk (one transaction each); nil: 16 per worker.
        public var chunkSize: Int?
        /// How long new references stay valid, in seconds (nil: open).
        public var referenceValidity: TimeInterval? = 5 * 365 * 86_400
        /// Options with defaults.
        public init() {}
    }

    /// Where a run is.
    public struct Progress: Sendable, Hashable, Codable {
        /// Items decided (including those an earlier run stored).
        public var done: Int
        /// Items in the input.
        public var total: Int
        /// Items stored so far (this run and earlier ones).
        public var enrolled: Int
        /// Failures to enrol so far.
        public var failed: Int
        /// Seconds since this run started.
        public var elapsed: Double
        /// Items per second this run.
        public var rate: Double
        /// Estimated seconds left.
        public var eta: Double?
    }

    let store: TemplateStore
    let facePipeline: FacePipeline?
    let faceComparator: FaceComparator?
    let options: Options
    let matcher = FingerprintMatcher()
    let extractor = MinutiaeExtractor()

    /// A batch enroller over `store`; faces need the pipeline and comparator.
    public init(store: TemplateStore, facePipeline: FacePipeline?, faceComparator: FaceComparator?, options: Options = Options()) {
        self.store = store
        self.facePipeline = facePipeline
        self.faceComparator = faceComparator
        self.options = options
    }

    /// One item after extraction, before it is decided.
    private struct Extracted: Sendable {
        var referenceID: String?
        var face: FaceTemplate?
        var finger: FingerprintTemplate?
        var quality: Int?
        var failure: EnrollmentRecord.Outcome?
        var reasons: [String] = []
    }

    /// Runs the batch. `log` is the outcome log of this input (kept across runs); `stop` is
    /// polled between chunks (SIGINT); `progress` is called after each chunk.
    ///
    /// - Returns: one record per item, in input order, and the summary.
    /// - Throws: ``EngineError`` `store` when the store or the log cannot be written (what
    ///   was committed stays, and a rerun resumes), `unsupportedOperation` for faces
    ///   without a pipeline.
    public func run(_ items: [EnrollmentItem], log url: URL, stop: @Sendable () -> Bool = { false },
                    progress: (Progress) -> Void = { _ in }) throws -> (records: [EnrollmentRecord], summary: EnrollmentSummary) {
        let start = DispatchTime.now().uptimeNanoseconds
        if items.contains(where: { $0.modality == .face }) && (facePipeline == nil || faceComparator == nil) {
            throw EngineError(.unsupportedOperation, "face items need the face models")
        }
        let previous = OutcomeLog.read(url)
        let log = try OutcomeLog(url: url)
        var stored: Set<String>
        do { stored = Set(try store.referenceIDs()) } catch { throw EngineError(.store, "cannot list the store's references: \(error)") }
        var galleries = try Galleries(store: store, comparator: faceComparator, matcher: matcher)

        var records = [EnrollmentRecord?](repeating: nil, count: items.count)
        var pending: [Int] = []
        var alreadyEnrolled = 0
        for (i, item) in items.enumerated() {
            if let r = previous[i], r.describes(item), let id = r.referenceID, r.outcome.isStored, stored.contains(id) {
                records[i] = r
                alreadyEnrolled += 1
            } else {
                pending.append(i)
            }
        }
        // The gallery the check searches: what the store held before this input, plus the
        // input. The same for an uninterrupted run and any resumed one.
        let gallerySize = max(1, stored.count - alreadyEnrolled + items.count)
        let perComparison = options.duplicateFPIR / Double(gallerySize)
        let thresholds: DuplicateThresholds
        do {
            thresholds = try DuplicateThresholds(perComparisonRate: perComparison, faceComparator: faceComparator, gallerySize: gallerySize,
                                                 fpir: options.duplicateFPIR)
        } catch {
            throw EngineError(.unsupportedOperation, "the duplicate thresholds cannot be derived: \(error)")
        }
        let faceThreshold: Double? = thresholds.face
        let fingerThreshold = thresholds.finger
        let chunk = max(1, options.chunkSize ?? 16 * max(1, options.jobs))
        var processed = 0
        var interrupted = false
        var cursor = 0
        func report() {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let done = alreadyEnrolled + processed
            let rate = elapsed > 0 ? Double(processed) / elapsed : 0
            let enrolled = records.reduce(0) { $0 + (($1?.outcome.isStored ?? false) ? 1 : 0) }
            let failed = records.reduce(0) { $0 + (($1?.outcome.isFailureToEnrol ?? false) ? 1 : 0) }
            progress(Progress(done: done, total: items.count, enrolled: enrolled, failed: failed, elapsed: elapsed, rate: rate,
                              eta: rate > 0 ? Double(items.count - done) / rate : nil))
        }
        report()
        // Chunk k is written (log, then store) on a serial queue while chunk k+1 is
        // extracted; decisions stay in input order because chunk k's references enter the
        // in-memory galleries before chunk k+1 is decided.
        let writer = DispatchQueue(label: "biomatch.enroll.writer")
        let writeFailure = Mutex<EngineError?>(nil)
        let store = self.store
        func awaitWrites() throws {
            writer.sync {}
            if let failure = writeFailure.withLock({ $0 }) { throw failure }
        }
        while cursor < pending.count {
            if stop() { interrupted = true; break }
            let batch = Array(pending[cursor..<min(pending.count, cursor + chunk)])
            let extracted = extract(batch.map { items[$0] })
            try awaitWrites()
            var chunkRecords: [EnrollmentRecord] = []
            var drafts: [ReferenceDraft] = []
            let now = Date()
            for (i, result) in zip(batch, extracted) {
                let item = items[i]
                var record = EnrollmentRecord(index: i, subjectID: item.subjectID, modality: item.modality.rawValue,
                                              fingerPosition: item.fingerPosition, item: item.path, outcome: .enrolled,
                                              quality: result.quality, reasons: result.reasons, duplicateCandidates: [],
                                              referenceID: nil)
                if let failure = result.failure {
                    record.outcome = failure
                } else if let id = result.referenceID, stored.contains(id) {
                    // The same image of the same subject again (here or in another batch).
                    record.outcome = .alreadyStored
                    record.referenceID = id
                    record.reasons.append("this image of this subject is already stored as \(id)")
                } else if let id = result.referenceID {
                    record.referenceID = id
                    let candidates = galleries.candidates(face: result.face, finger: result.finger, position: item.fingerPosition,
                                                          excluding: item.subjectID, faceThreshold: faceThreshold ?? 2,
                                                          fingerThreshold: fingerThreshold, matcher: matcher)
                    record.duplicateCandidates = candidates
                    if !candidates.isEmpty {
                        record.outcome = options.holdDuplicates ? .heldDuplicateSuspect : .enrolledDuplicateSuspect
                        record.reasons.append(String(format: "matches %d reference(s) of other subjects at or above %.4f (per-comparison FMR %.1e)",
                                                     candidates.count, item.modality == .face ? faceThreshold ?? 0 : fingerThreshold, perComparison))
                    }
                    if record.outcome.isStored, let draft = draft(item, result, id: id, now: now) {
                        drafts.append(draft)
                        stored.insert(id)
                        try galleries.add(face: result.face, finger: result.finger, position: item.fingerPosition,
                                          subjectID: item.subjectID, referenceID: id, matcher: matcher)
                    }
                }
                chunkRecords.append(record)
            }
            let chunkCopy = chunkRecords, toStore = drafts
            writer.async {
                guard writeFailure.withLock({ $0 == nil }) else { return }
                do {
                    // The decisions reach the disk before the store commits what they describe.
                    try log.append(chunkCopy)
                    if !toStore.isEmpty { _ = try store.enroll(toStore) }
                } catch let error as EngineError {
                    writeFailure.withLock { $0 = error }
                } catch {
                    writeFailure.withLock {
                        $0 = EngineError(.store, "a chunk of \(toStore.count) references could not be stored (what was committed before stays; rerun to resume): \(error)")
                    }
                }
            }
            for r in chunkRecords { records[r.index] = r }
            processed += batch.count
            cursor += batch.count
            report()
        }
        try awaitWrites()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let done = records.compactMap { $0 }
        var counts: [String: Int] = [:]
        for outcome in EnrollmentRecord.Outcome.allCases { counts[outcome.rawValue] = 0 }
        for r in done { counts[r.outcome.rawValue, default: 0] += 1 }
        let failures = done.filter(\.outcome.isFailureToEnrol).count
        let summary = EnrollmentSummary(items: items.count, outcomes: counts, fte: done.isEmpty ? 0 : Double(failures) / Double(done.count),
                                        alreadyEnrolled: alreadyEnrolled, processedThisRun: processed, seconds: seconds,
                                        itemsPerSecond: seconds > 0 ? Double(processed) / seconds : 0, jobs: options.jobs,
                                        interrupted: interrupted, remaining: items.count - done.count,
                                        duplicateCheck: thresholds.description)
        return (done, summary)
    }

    /// Reads, hashes and extracts items on `jobs` workers; results in input order.
    private func extract(_ items: [EnrollmentItem]) -> [Extracted] {
        let results = Mutex([Extracted?](repeating: nil, count: items.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(options.jobs, items.count))) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= items.count { break }
                let outcome = extractOne(items[i])
                results.withLock { $0[i] = outcome }
            }
        }
        return results.withLock { $0 }.map { $0 ?? Extracted(failure: .failedCapture, reasons: ["not processed"]) }
    }

    private func extractOne(_ item: EnrollmentItem) -> Extracted {
        guard let data = FileManager.default.contents(atPath: item.path) else {
            return Extracted(failure: .failedCapture, reasons: ["cannot read \(item.path)"])
        }
        let bytes = [UInt8](data)
        var result = Extracted(referenceID: Self.referenceID(item, bytes: bytes))
        switch item.modality {
        case .face:
            guard let pipeline = facePipeline else { return Extracted(failure: .failedCapture, reasons: ["no face models"]) }
            do {
                let capture = try pipeline.capture(in: try DecodedImage(bytes: bytes, name: URL(fileURLWithPath: item.path).lastPathComponent))
                result.quality = capture.template.quality
                if capture.quality.score < pipeline.options.enrollmentQualityFloor {
                    result.failure = .failedQuality
                    result.reasons = ["quality \(capture.quality.score) is under the floor \(pipeline.options.enrollmentQualityFloor)"]
                        + capture.quality.reasons.map(\.description)
                } else {
                    result.face = capture.template
                }
            } catch {
                result.failure = .failedCapture
                result.reasons = ["\(error)"]
            }
        case .finger:
            do {
                let template = try extractor.extract(try FingerprintImage(bytes: bytes, dpi: options.fingerDPI, name: URL(fileURLWithPath: item.path).lastPathComponent))
                result.quality = template.quality
                if template.quality < options.fingerQualityFloor {
                    result.failure = .failedQuality
                    result.reasons = ["finger quality \(template.quality) is under the floor \(options.fingerQualityFloor)"]
                } else {
                    result.finger = template
                }
            } catch {
                result.failure = .failedCapture
                result.reasons = ["\(error)"]
            }
        }
        return result
    }

    /// `bm-` and 32 hex digits of SHA-256 over the subject, modality, position and image bytes.
    static func referenceID(_ item: EnrollmentItem, bytes: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(data: Array("biomatch-enroll-v1\u{0}\(item.subjectID)\u{0}\(item.modality.rawValue)\u{0}\(item.fingerPosition)\u{0}".utf8))
        hash.update(data: bytes)
        return "bm-" + Hex.encode(hash.finalize().prefix(16))
    }

    private func draft(_ item: EnrollmentItem, _ result: Extracted, id: String, now: Date) -> ReferenceDraft? {
        let validity = ValidityPeriod(notBefore: Engine.milliseconds(now),
                                      notAfter: options.referenceValidity.map { Engine.milliseconds(now.addingTimeInterval($0)) })
        if let face = result.face {
            return ReferenceDraft(referenceID: id, subjectID: item.subjectID, modality: .face, modelID: face.modelID,
                                  modelVersion: face.modelVersion, quality: face.quality, validity: validity, template: face.serialized())
        }
        if let finger = result.finger, let position = FingerPosition(rawValue: UInt8(clamping: item.fingerPosition)),
           let record = try? finger.record(format: .iso19794_2_2005, position: position).encoded() {
            return ReferenceDraft(referenceID: id, subjectID: item.subjectID, modality: .finger, fingerPosition: item.fingerPosition,
                                  modelID: Engine.fingerModelID, modelVersion: Engine.fingerModelVersion, quality: finger.quality,
                                  validity: validity, template: record)
        }
        return nil
    }
}

/// The references a duplicate check searches: every active face and finger of the store,
/// plus what this run has enrolled so far.
private struct Galleries {
    var faces: FaceGalleryIndex?
    var fingers: [(template: PreparedFingerprint, position: Int, subjectID: String, referenceID: String)] = []

    init(store: TemplateStore, comparator: FaceComparator?, matcher: FingerprintMatcher) throws {
        do {
            if let comparator {
                faces = try FaceGalleryIndex.load(from: store, modelID: comparator.modelID, at: TemplateStore.now())
            }
            var fingers: [(PreparedFingerprint, Int, String, String)] = []
            _ = try store.loadTemplates(modality: .finger, decode: { stored -> FingerprintTemplate in
                try FingerprintTemplate(record: try FingerMinutiaeRecord(bytes: stored.template))
            }) { batch in
                for t in batch { fingers.append((matcher.prepare(t.value), t.info.fingerPosition, t.info.subjectID, t.info.id)) }
            }
            self.fingers = fingers.map { (template: $0.0, position: $0.1, subjectID: $0.2, referenceID: $0.3) }
        } catch {
            throw EngineError(.store, "the store's references could not be loaded for the duplicate check: \(error)")
        }
    }

    func candidates(face: FaceTemplate?, finger: FingerprintTemplate?, position: Int, excluding subjectID: String,
                    faceThreshold: Double, fingerThreshold: Double, matcher: FingerprintMatcher) -> [EnrollmentRecord.DuplicateCandidate] {
        var out: [EnrollmentRecord.DuplicateCandidate] = []
        if let face, let faces, faces.count > 0 {
            // Deep enough that a subject's own references cannot hide another subject's.
            let hits = (try? faces.gallery.search(face.values, k: min(faces.count, 64))) ?? []
            for hit in hits where Double(hit.score) >= faceThreshold {
                if let ref = faces.references[hit.id], ref.subjectID != subjectID {
                    out.append(.init(subjectID: ref.subjectID, referenceID: ref.referenceID, score: Double(hit.score)))
                }
            }
        }
        if let finger {
            let probe = matcher.prepare(finger)
            var scratch = FingerprintMatcher.Scratch()
            for ref in fingers where ref.subjectID != subjectID && (position == 0 || ref.position == 0 || ref.position == position) {
                let s = matcher.similarity(probe, ref.template, scratch: &scratch)
                if s >= fingerThreshold { out.append(.init(subjectID: ref.subjectID, referenceID: ref.referenceID, score: s)) }
            }
        }
        return Array(out.sorted { $0.score > $1.score }.prefix(5))
    }

    mutating func add(face: FaceTemplate?, finger: FingerprintTemplate?, position: Int, subjectID: String, referenceID: String,
                      matcher: FingerprintMatcher) throws {
        if let face {
            if faces == nil { faces = FaceGalleryIndex(dimension: face.dimension) }
            try faces?.add([face.values], subjects: [(subjectID, referenceID)])
        }
        if let finger {
            fingers.append((matcher.prepare(finger), position, subjectID, referenceID))
        }
    }
}

/// The duplicate check's thresholds for one run.
private struct DuplicateThresholds {
    var face: Double?
    var finger: Double
    var description: String

    init(perComparisonRate rate: Double, faceComparator: FaceComparator?, gallerySize: Int, fpir: Double) throws {
        let fingerNormalizer = try ScoreNormalizer(points: FingerprintMatcher.calibration.map { .init(threshold: $0.threshold, rate: $0.rate) })
        finger = fingerNormalizer.threshold(forRate: rate)
        var parts = [String(format: "FPIR %.0e over a gallery of %d: per-comparison FMR %.1e", fpir, gallerySize, rate)]
        if let faceComparator {
            let faceNormalizer = try ScoreNormalizer(calibration: faceComparator.calibration)
            let t = faceNormalizer.threshold(forRate: rate)
            face = t
            parts.append(String(format: "face threshold %.4f%@", t, faceNormalizer.isCalibrated(atRate: rate) ? "" : " (extrapolated beyond the calibrated 1e-5)"))
        }
        parts.append(String(format: "finger threshold %.4f%@", finger, fingerNormalizer.isCalibrated(atRate: rate) ? "" : " (extrapolated beyond the calibrated 1e-4)"))
        description = parts.joined(separator: "; ")
    }
}
