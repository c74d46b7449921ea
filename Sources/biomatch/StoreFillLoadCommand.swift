import ArgumentParser
import BiomatchFace
import BiomatchKernels
import BiomatchStore
import Dispatch
import Foundation

extension StoreCommand {
    /// Synthetic enrollment for load tests, benchmarks and crash drills.
    struct Fill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll N synthetic face templates (seeded random unit embeddings, model id synthetic-unit) in batches.",
            discussion: """
                For load tests, benchmarks and crash drills, not for matching real people. Reference ids are \
                fill-SEED-I, so rerunning the same command after an interruption stores each one exactly once. \
                With --json each committed batch prints one line {"acknowledged": [ids]} after its commit.
                """)
        @OptionGroup var options: StoreOptions
        @Option(help: "Templates to enroll.") var count: Int
        @Option(help: "Templates per transaction.") var batchSize = 1000
        @Option(help: "Seed (ids and vectors derive from it).") var seed: UInt64 = 1
        @Option(help: "Embedding dimension.") var dimension = 128
        @Option(help: "Worker threads sealing batches.") var jobs = 2
        @Option(help: "Model id the templates claim (sface-2021dec puts them in an engine's face gallery).") var modelID = "synthetic-unit"
        @Option(help: "Model version the templates claim.") var modelVersion = "1"
        @Option(help: "Deal the references into this many partitions (p0…), 0 for none.") var partitions = 0

        func run() throws {
            guard count > 0, batchSize > 0, (1...4096).contains(dimension) else {
                printError("--count and --batch-size must be positive, --dimension 1–4096")
                throw ExitCode(2)
            }
            let store = try options.open()
            defer { store.close() }
            let start = DispatchTime.now().uptimeNanoseconds
            var enrolled = 0, present = 0
            var first = 0
            struct Ack: Encodable { let acknowledged: [String] }
            while first < count {
                let n = min(batchSize, count - first)
                let drafts = try (first ..< first + n).map { i in
                    var d = try Self.draft(i, seed: seed, dimension: dimension, modelID: modelID, modelVersion: modelVersion)
                    if partitions > 0 { d.partition = "p\(i % partitions)" }
                    return d
                }
                let outcomes = try reportingStoreErrors { try store.enroll(drafts) }
                for o in outcomes { if case .enrolled = o { enrolled += 1 } else { present += 1 } }
                if options.json { try printStoreJSON(Ack(acknowledged: outcomes.map(\.referenceID)), lines: true) }
                first += n
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            struct Summary: Encodable { let enrolled: Int; let alreadyPresent: Int; let seconds: Double; let templatesPerSecond: Double }
            let summary = Summary(enrolled: enrolled, alreadyPresent: present, seconds: seconds, templatesPerSecond: Double(enrolled) / max(seconds, 1e-9))
            if options.json { try printStoreJSON(summary, lines: true) } else {
                print(String(format: "enrolled %d (%d already present) in %.1f s, %.0f templates/s", enrolled, present, seconds, summary.templatesPerSecond))
            }
        }

        /// The seed of reference `i`'s vector.
        static func vectorSeed(_ i: Int, seed: UInt64) -> UInt64 { seed &* 1_000_003 &+ UInt64(i) &+ 1 }

        /// The subject reference `i` is enrolled for.
        static func subjectID(_ i: Int, seed: UInt64) -> String { "fill-subject-\(seed)-\(i)" }

        static func draft(_ i: Int, seed: UInt64, dimension: Int, modelID: String = "synthetic-unit", modelVersion: String = "1") throws -> ReferenceDraft {
            let vector = SeededVectors.unit(count: 1, dimension: dimension, seed: vectorSeed(i, seed: seed))[0]
            let capture = CaptureMetadata(imageWidth: 112, imageHeight: 112, faceBox: Rectangle(x: 0, y: 0, width: 112, height: 112),
                                          detectorConfidence: 1, capturedAtMilliseconds: 0)
            let template = try reportingFaceErrors {
                try FaceTemplate(embedding: vector, modelID: modelID, modelVersion: modelVersion, quality: 80, capture: capture)
            }
            return ReferenceDraft(referenceID: "fill-\(seed)-\(i)", subjectID: subjectID(i, seed: seed), modality: .face,
                                  modelID: modelID, modelVersion: modelVersion, quality: 80, template: template.serialized())
        }
    }

    /// Loads a modality's templates into a 1:N gallery and reports the rate.
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the active face templates into an in-memory 1:N gallery and report templates per second.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Only templates of this model id.") var model: String?
        @Option(help: "Gallery mode: float32, int8 or binary.") var mode = "int8"
        @Option(help: "Rows per page (bounded memory).") var batchSize = 16_384
        @Option(help: "Decryption threads.") var threads = 2

        func run() throws {
            guard let galleryMode = GalleryMode(rawValue: mode) else {
                printError("--mode must be one of \(GalleryMode.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(2)
            }
            let store = try options.open(readOnly: true)
            defer { store.close() }
            var gallery: VectorGallery?
            var ids: [String] = []
            let report = try reportingStoreErrors {
                try store.loadTemplates(modality: .face, modelID: model, batchSize: batchSize, threads: threads,
                                        decode: { try FaceTemplate(serialized: $0.template).values }) { batch in
                    guard let d = batch.first?.value.count else { return }
                    if gallery == nil { gallery = VectorGallery(dimension: d, mode: galleryMode, keepFloatVectors: false) }
                    let keys = (0..<batch.count).map { UInt64(ids.count + $0) }
                    ids += batch.map(\.info.id)
                    do { try gallery?.add(batch.map(\.value), ids: keys) } catch {
                        throw StoreError(.invalidArgument, "templates of different dimensions in one model: \(error)")
                    }
                }
            }
            let decodeFailures = report.decodeFailures.count
            struct Loaded: Encodable {
                let loaded: Int; let galleryCount: Int; let skippedRevoked: Int; let skippedExpired: Int
                let integrityFailures: [String]; let decodeFailures: Int; let seconds: Double; let templatesPerSecond: Double
            }
            let out = Loaded(loaded: report.loaded, galleryCount: gallery?.count ?? 0, skippedRevoked: report.skippedRevoked,
                             skippedExpired: report.skippedExpired, integrityFailures: report.integrityFailures,
                             decodeFailures: decodeFailures, seconds: report.seconds, templatesPerSecond: report.templatesPerSecond)
            if options.json { try printStoreJSON(out) } else {
                print(String(format: "loaded %d templates into a %@ gallery in %.2f s (%.0f templates/s); skipped %d revoked, %d expired; %d failed integrity, %d undecodable",
                             out.loaded, mode, out.seconds, out.templatesPerSecond, out.skippedRevoked, out.skippedExpired,
                             out.integrityFailures.count, decodeFailures))
            }
            if !report.integrityFailures.isEmpty { throw ExitCode(4) }
        }
    }
}

extension StoreCommand {
    /// Reads random `fill` references and checks each against the template `fill` made.
    struct SpotCheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "spot-check",
            abstract: "Read random references enrolled by `store fill` and compare each with the template fill made (for rotation and crash drills).",
            discussion: "Runs until --seconds pass or the --until-file appears; prints {reads, mismatches, errors}. Exit 1 on any mismatch or error.")
        @OptionGroup var options: StoreOptions
        @Option(help: "The count given to fill.") var count: Int
        @Option(help: "The seed given to fill.") var seed: UInt64 = 1
        @Option(help: "The dimension given to fill.") var dimension = 128
        @Option(help: "Stop after this many seconds.") var seconds = 60.0
        @Option(help: "Stop when this file exists.") var untilFile: String?

        func run() throws {
            guard count > 0 else { throw ValidationError("--count must be positive") }
            let store = try options.open(readOnly: true)
            defer { store.close() }
            let deadline = Date().addingTimeInterval(seconds)
            var reads = 0, mismatches = 0, errors: [String] = []
            var generator = SystemRandomNumberGenerator()
            while Date() < deadline {
                if let untilFile, FileManager.default.fileExists(atPath: untilFile) { break }
                let i = Int.random(in: 0..<count, using: &generator)
                let expected = try Fill.draft(i, seed: seed, dimension: dimension)
                do {
                    let stored = try store.template(expected.referenceID ?? "")
                    if stored.template != expected.template { mismatches += 1 }
                } catch {
                    errors.append("\(error)")
                }
                reads += 1
            }
            struct Checked: Encodable { let reads: Int; let mismatches: Int; let errors: Int; let firstError: String? }
            try printStoreJSON(Checked(reads: reads, mismatches: mismatches, errors: errors.count, firstError: errors.first), lines: true)
            if mismatches > 0 || !errors.isEmpty { throw ExitCode(1) }
        }
    }
}
