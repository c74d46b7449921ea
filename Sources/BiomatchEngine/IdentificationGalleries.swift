import BiomatchFace
import BiomatchFingerprint
import BiomatchKernels
import BiomatchStore

/// One searchable reference of the engine's 1:N galleries.
struct GalleryEntry: Sendable, Hashable {
    var modality: Modality
    var subjectID: String
    var referenceID: String
    var partition: String?
    var validity: ValidityPeriod
}

/// A search hit: the entry and its similarity.
struct GalleryHit {
    var entry: GalleryEntry
    var score: Double
}

/// The engine's in-memory 1:N galleries, one per partition (references enrolled without a
/// partition form their own), for faces of the comparator's model and for fingers; kept in
/// step with the store through its change feed. The engine keeps one behind a lock and
/// searches copies of it.
///
/// A search within a partition scans that partition only; a search without one scans all.
struct IdentificationGalleries {
    private(set) var faces: [String?: VectorGallery] = [:]
    private(set) var fingers: [String?: FingerprintGallery] = [:]
    private var entries: [String: GalleryEntry] = [:]
    private var faceIDs: [String: UInt64] = [:]
    private var faceEntries: [UInt64: String] = [:]
    private var referencesBySubject: [String: Set<String>] = [:]
    /// References per subject in each (modality, partition) and per modality, and
    /// references per (modality, partition): the sizes a search's false-positive rate
    /// depends on, kept as the galleries change.
    private var subjectsInScope: [Scope: [String: Int]] = [:]
    private var subjectsByModality: [Modality: [String: Int]] = [:]
    private var referencesInScope: [Scope: Int] = [:]
    private struct Scope: Hashable {
        var modality: Modality
        var partition: String?
    }
    private var nextFaceID: UInt64 = 1
    let faceModelID: String?
    private(set) var faceDimension: Int?
    let matcher: FingerprintMatcher
    /// The last change-feed row applied.
    var appliedChange: Int64 = 0

    init(faceModelID: String?, matcher: FingerprintMatcher) {
        self.faceModelID = faceModelID
        self.matcher = matcher
    }

    /// References searched for a probe of `modality` in `partition` (all partitions for nil),
    /// and the distinct subjects among them.
    func size(_ modality: Modality, partition: String?) -> (references: Int, subjects: Int) {
        if let partition {
            let scope = Scope(modality: modality, partition: partition)
            return (referencesInScope[scope] ?? 0, subjectsInScope[scope]?.count ?? 0)
        }
        return (referencesInScope.filter { $0.key.modality == modality }.values.reduce(0, +), subjectsByModality[modality]?.count ?? 0)
    }

    /// A stored reference decoded for a gallery: a face vector or a finger template.
    enum Payload: Sendable {
        case face([Float])
        case finger(FingerprintTemplate)
    }

    /// Decodes a stored reference for the galleries (thread-safe: loading runs it on every
    /// core); nil for one the engine cannot search, such as a face of another model.
    static func decode(_ stored: StoredTemplate, faceModelID: String?) throws -> Payload? {
        switch stored.info.modality {
        case .face:
            guard stored.info.modelID == faceModelID else { return nil }
            return .face(try FaceTemplate(serialized: stored.template).values)
        case .finger:
            guard stored.info.modelID == Engine.fingerModelID else { return nil }
            let record = try FingerMinutiaeRecord(bytes: stored.template)
            let view = record.views.count == 1 ? 0 : record.views.firstIndex { Int($0.position) == stored.info.fingerPosition } ?? 0
            return .finger(try FingerprintTemplate(record: record, view: view))
        }
    }

    /// Adds or replaces a stored reference (one the engine cannot search is left out).
    mutating func put(_ stored: StoredTemplate) throws {
        try put([(stored.info, try Self.decode(stored, faceModelID: faceModelID))])
    }

    /// Adds or replaces decoded references; faces go into their galleries one batch per partition.
    mutating func put(_ batch: [(info: ReferenceInfo, payload: Payload?)]) throws {
        var faceBatches: [String?: (vectors: [[Float]], ids: [UInt64])] = [:]
        for (info, payload) in batch {
            remove(referenceID: info.id)
            guard let payload else { continue }
            let entry = GalleryEntry(modality: info.modality, subjectID: info.subjectID, referenceID: info.id, partition: info.partition,
                                     validity: info.validity)
            switch payload {
            case .face(let vector):
                if faceDimension == nil { faceDimension = vector.count }
                guard vector.count == faceDimension else { continue }
                let id = nextFaceID
                nextFaceID += 1
                faceBatches[entry.partition, default: ([], [])].vectors.append(vector)
                faceBatches[entry.partition, default: ([], [])].ids.append(id)
                faceIDs[entry.referenceID] = id
                faceEntries[id] = entry.referenceID
            case .finger(let template):
                fingers[entry.partition, default: FingerprintGallery(matcher: matcher)].add(template, id: entry.referenceID)
            }
            entries[entry.referenceID] = entry
            referencesBySubject[entry.subjectID, default: []].insert(entry.referenceID)
            let scope = Scope(modality: entry.modality, partition: entry.partition)
            subjectsInScope[scope, default: [:]][entry.subjectID, default: 0] += 1
            subjectsByModality[entry.modality, default: [:]][entry.subjectID, default: 0] += 1
            referencesInScope[scope, default: 0] += 1
        }
        for (partition, batch) in faceBatches {
            // int8 scan, the best 8k candidates re-scored exactly in float: the same scores
            // as a float scan (decisions compare exact scores), a quarter of the memory
            // traffic, half the search time at 100,000 references.
            let gallery = faces[partition] ?? VectorGallery(dimension: faceDimension ?? batch.vectors[0].count, mode: .int8)
            try gallery.add(batch.vectors, ids: batch.ids)
            faces[partition] = gallery
        }
    }

    /// Removes a reference, wherever it is.
    mutating func remove(referenceID: String) {
        guard let entry = entries.removeValue(forKey: referenceID) else { return }
        referencesBySubject[entry.subjectID]?.remove(referenceID)
        let scope = Scope(modality: entry.modality, partition: entry.partition)
        if let n = subjectsInScope[scope]?[entry.subjectID] { subjectsInScope[scope]?[entry.subjectID] = n > 1 ? n - 1 : nil }
        if let n = subjectsByModality[entry.modality]?[entry.subjectID] {
            subjectsByModality[entry.modality]?[entry.subjectID] = n > 1 ? n - 1 : nil
        }
        referencesInScope[scope, default: 1] -= 1
        if let id = faceIDs.removeValue(forKey: referenceID) {
            faceEntries[id] = nil
            _ = faces[entry.partition]?.remove(ids: [id])
        } else {
            fingers[entry.partition]?.remove(id: referenceID)
        }
    }

    /// Removes every reference of a subject.
    mutating func remove(subjectID: String) {
        for id in referencesBySubject.removeValue(forKey: subjectID) ?? [] { remove(referenceID: id) }
    }

    /// Each search scans on one core: the engine's parallelism is across requests (a busy
    /// back end gains nothing from splitting one scan while other requests wait for cores).
    static let oneCore = GallerySearchParameters(threads: 1)
    static let oneCoreCascade: FingerprintGallery.SearchParameters = {
        var parameters = FingerprintGallery.SearchParameters()
        parameters.threads = 1
        return parameters
    }()

    /// The best `k` face references for `probe` within `partition` (all for nil), best first.
    func searchFaces(_ probe: [Float], partition: String?, k: Int) throws -> [GalleryHit] {
        let galleries = partition.map { p in faces[p].map { [$0] } ?? [] } ?? Array(faces.values)
        var hits: [GalleryHit] = []
        for gallery in galleries where gallery.count > 0 {
            for hit in try gallery.search(probe, k: k, parameters: Self.oneCore) {
                if let referenceID = faceEntries[hit.id], let entry = entries[referenceID] {
                    hits.append(GalleryHit(entry: entry, score: Double(hit.score)))
                }
            }
        }
        return Array(hits.sorted { $0.score > $1.score }.prefix(k))
    }

    /// The best `k` finger references for `probe` within `partition` (all for nil), best
    /// first, by the cascade.
    func searchFingers(_ probe: PreparedFingerprint, partition: String?, k: Int) -> [GalleryHit] {
        let galleries = partition.map { p in fingers[p].map { [$0] } ?? [] } ?? Array(fingers.values)
        var hits: [GalleryHit] = []
        for gallery in galleries where gallery.count > 0 {
            for candidate in gallery.search(probe, k: k, parameters: Self.oneCoreCascade) {
                if let entry = entries[candidate.id] { hits.append(GalleryHit(entry: entry, score: candidate.score)) }
            }
        }
        return Array(hits.sorted { $0.score > $1.score }.prefix(k))
    }
}
