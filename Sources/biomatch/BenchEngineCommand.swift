import ArgumentParser
import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchKernels
import BiomatchStore
import BiomatchSupport
import Crypto
import Dispatch
import Foundation

extension BenchCommand {
    /// Throughput of one engine under concurrent callers.
    struct EngineThroughput: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine",
            abstract: "Verify and identify throughput of one engine at 1 and N concurrent callers, and the speedup.",
            discussion: """
                A throwaway SQLite store is filled with --references synthetic face references (seeded random unit \
                vectors, as `store fill`); callers send framed probes (MAC and AES-256-GCM, each a fresh transaction) \
                near enrolled references: verify at FMR 1e-3 against the claimed subject, identify over the whole \
                gallery at FPIR 1e-3 (a search refused as ambiguous is counted as refused). Every request is admitted, decided and journaled as in production. The synthetic \
                vectors have no impostor set, so thresholds come from the exact tail of the cosine between independent \
                uniform unit vectors (not a model's calibration): this measures speed, not accuracy. Each search scans \
                on one core; the engine's parallelism is across requests.
                """)
        @Option(help: "Concurrent callers to compare against one.") var concurrency = 2
        @Option(help: "Face references in the gallery.") var references = 100_000
        @Option(help: "Verify requests at each concurrency.") var verifyRequests = 3000
        @Option(help: "Identify requests at each concurrency.") var identifyRequests = 1000
        @Flag(help: "Print JSON.") var json = false

        struct Level: Encodable {
            var callers: Int
            var requests: Int
            var matched: Int
            /// Requests refused by policy (an ambiguous search: a second subject near the threshold).
            var refused: Int
            var seconds: Double
            var throughputPerSecond: Double
            var p50Ms: Double
            var p99Ms: Double
        }

        struct Operation: Encodable {
            var levels: [Level]
            var speedup: Double
        }

        struct Report: Encodable {
            var simd: String
            var cores: Int
            var references: Int
            var storeBackend: String
            var fillSeconds: Double
            var galleryLoadSeconds: Double
            var thresholds: String
            var verify: Operation
            var identify: Operation
        }

        func validate() throws {
            guard concurrency >= 2, references >= 1000, verifyRequests >= 10, identifyRequests >= 10 else {
                throw ValidationError("--concurrency ≥ 2, --references ≥ 1000, at least 10 requests of each kind")
            }
        }

        func run() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("biomatch-bench-engine-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let references = self.references
            let fillStart = DispatchTime.now().uptimeNanoseconds
            let store = try await offTask {
                let store = try reportingStoreErrors {
                    try TemplateStore.create(at: .sqlite(path: directory.appendingPathComponent("store.sqlite").path),
                                             key: .key(KeyEncryptionKey.generate()), actor: "bench")
                }
                var first = 0
                while first < references {
                    let n = min(5_000, references - first)
                    let drafts = try (first ..< first + n).map { try StoreCommand.Fill.draft($0, seed: Self.seed, dimension: 128) }
                    _ = try reportingStoreErrors { try store.enroll(drafts) }
                    first += n
                }
                return store
            }
            let fillSeconds = Self.seconds(since: fillStart)
            let mac = SymmetricKey(size: .bits256), encryption = SymmetricKey(size: .bits256)
            let thresholds = try Self.uniformSphereThresholds(dimension: 128)
            let comparator = FaceComparator(calibration: thresholds, modelID: "synthetic-unit")
            let tiers = [RiskTier(name: "verify", maximumAmount: nil, fmrTarget: .oneInThousand),
                         RiskTier(name: "identify", maximumAmount: nil, fmrTarget: .oneInThousand)]
            let engine = try reportingEngineErrors {
                try Engine(store: store, keys: FramingKeys(macKeys: ["bench/mac": mac], encryptionKeys: ["bench/enc": encryption]),
                           configuration: EngineConfiguration(tiers: tiers), faceComparator: comparator)
            }
            let terminal = Terminal(mac: mac, encryption: encryption, references: references)

            // The first search loads the gallery.
            let loadStart = DispatchTime.now().uptimeNanoseconds
            _ = try await reportingEngineErrors { try await engine.identify(try terminal.probe(index: 0, purpose: .identify), tier: "identify") }
            let loadSeconds = Self.seconds(since: loadStart)

            var verifyLevels: [Level] = [], identifyLevels: [Level] = []
            for callers in [1, concurrency] {
                // Probes are framed before the clock starts: the engine's work is measured, not the terminal's.
                let verifyProbes = try (0..<verifyRequests).map { i in
                    let subject = (i &* 7_919) % references
                    return (subject: StoreCommand.Fill.subjectID(subject, seed: Self.seed), message: try terminal.probe(index: subject, purpose: .verify))
                }
                verifyLevels.append(try await Self.measure(callers: callers, requests: verifyRequests) { i in
                    try await engine.verify(verifyProbes[i].message, claimedSubject: verifyProbes[i].subject, tier: "verify").isMatch
                })
                let identifyProbes = try (0..<identifyRequests).map { i in try terminal.probe(index: (i &* 104_729) % references, purpose: .identify) }
                identifyLevels.append(try await Self.measure(callers: callers, requests: identifyRequests) { i in
                    do {
                        return try await engine.identify(identifyProbes[i], tier: "identify").isMatch
                    } catch let error as EngineError where error.code == .ambiguousIdentification {
                        return nil
                    }
                })
            }
            store.close()
            let report = Report(simd: SIMDLevel.current.description, cores: ProcessInfo.processInfo.activeProcessorCount, references: references,
                                storeBackend: "sqlite", fillSeconds: fillSeconds, galleryLoadSeconds: loadSeconds,
                                thresholds: thresholds.method,
                                verify: Operation(levels: verifyLevels, speedup: verifyLevels[1].throughputPerSecond / verifyLevels[0].throughputPerSecond),
                                identify: Operation(levels: identifyLevels, speedup: identifyLevels[1].throughputPerSecond / identifyLevels[0].throughputPerSecond))
            if json { try printJSON(report); return }
            print("engine throughput, \(report.simd), \(report.cores) cores, \(references) face references (SQLite; filled in \(String(format: "%.1f", fillSeconds)) s, gallery loaded in \(String(format: "%.1f", loadSeconds)) s)")
            for (name, operation) in [("verify", report.verify), ("identify", report.identify)] {
                for l in operation.levels {
                    print(String(format: "%@ %d caller(s): %d requests (%d matched, %d refused) in %.2f s, %.1f/s, p50 %.2f ms, p99 %.2f ms",
                                 name, l.callers, l.requests, l.matched, l.refused, l.seconds, l.throughputPerSecond, l.p50Ms, l.p99Ms))
                }
                print(String(format: "%@ speedup at %d callers: %.2f×", name, concurrency, operation.speedup))
            }
        }

        static let seed: UInt64 = 1

        static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

        /// Runs `requests` requests from `callers` concurrent tasks, each taking the next index.
        /// `request` answers whether the decision was a match, nil for a refusal the bench expects.
        static func measure(callers: Int, requests: Int, _ request: @escaping @Sendable (Int) async throws -> Bool?) async throws -> Level {
            let next = LockedValue(0)
            let start = DispatchTime.now().uptimeNanoseconds
            let results = try await withThrowingTaskGroup(of: [(Double, Bool?)].self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        var mine: [(Double, Bool?)] = []
                        while true {
                            let i = next.withLock { n -> Int in
                                defer { n += 1 }
                                return n
                            }
                            guard i < requests else { break }
                            let t = DispatchTime.now().uptimeNanoseconds
                            let matched = try await reportingEngineErrors { try await request(i) }
                            mine.append((Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6, matched))
                        }
                        return mine
                    }
                }
                var all: [(Double, Bool?)] = []
                for try await part in group { all += part }
                return all
            }
            let seconds = Self.seconds(since: start)
            let latencies = results.map(\.0).sorted()
            func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)] }
            return Level(callers: callers, requests: requests, matched: results.filter { $0.1 == true }.count,
                         refused: results.filter { $0.1 == nil }.count, seconds: seconds,
                         throughputPerSecond: Double(requests) / seconds, p50Ms: percentile(0.5), p99Ms: percentile(0.99))
        }

        /// Thresholds at FMR 1e-2 … 1e-9 for the cosine of two independent uniform unit vectors
        /// in `dimension` dimensions, whose density is proportional to (1 − t²)^((d − 3) / 2):
        /// the upper tail integrated numerically, each threshold found by bisection.
        static func uniformSphereThresholds(dimension: Int) throws -> ThresholdCalibration {
            let exponent = Double(dimension - 3) / 2
            let steps = 200_000
            // Cumulative upper tail on a grid over [0, 1] (the rates wanted are far above t = 0).
            var tail = [Double](repeating: 0, count: steps + 1)
            let h = 1.0 / Double(steps)
            for i in stride(from: steps - 1, through: 0, by: -1) {
                let a = Double(i) * h, b = a + h, m = (a + b) / 2
                let f = { (t: Double) in Foundation.pow(max(0, 1 - t * t), exponent) }
                tail[i] = tail[i + 1] + h / 6 * (f(a) + 4 * f(m) + f(b))
            }
            let total = 2 * tail[0]  // symmetric about 0
            var thresholds: [String: Float] = [:]
            for exponent10 in 2...9 {
                let rate = Foundation.pow(10, -Double(exponent10))
                guard let i = tail.firstIndex(where: { $0 / total <= rate }), i > 0 else { continue }
                // Linear interpolation between the grid points around the rate.
                let (r0, r1) = (tail[i - 1] / total, tail[i] / total)
                let t = (Double(i - 1) + (r0 - rate) / max(r0 - r1, 1e-300)) * h
                thresholds["1e-\(exponent10)"] = Float(t)
            }
            return ThresholdCalibration(dataset: "none (synthetic unit vectors)",
                                        method: "exact tail of the cosine between independent uniform unit vectors in \(dimension) dimensions",
                                        impostorComparisons: 0, thresholds: thresholds)
        }

        /// A terminal framing probes near the filled references, each with a fresh transaction.
        struct Terminal: Sendable {
            let mac: SymmetricKey
            let encryption: SymmetricKey
            let references: Int

            func probe(index: Int, purpose: BiometricPurpose) throws -> [UInt8] {
                let reference = SeededVectors.unit(count: 1, dimension: 128, seed: StoreCommand.Fill.vectorSeed(index, seed: EngineThroughput.seed))[0]
                let noise = SeededVectors.unit(count: 1, dimension: 128, seed: 0xB0B0_0000 &+ UInt64(index))[0]
                var v = zip(reference, noise).map { $0 + 0.35 * $1 }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = v.map { $0 / norm }
                let capture = CaptureMetadata(imageWidth: 112, imageHeight: 112, faceBox: Rectangle(x: 0, y: 0, width: 112, height: 112),
                                              detectorConfidence: 1, capturedAtMilliseconds: 0)
                let template = try FaceTemplate(embedding: v, modelID: "synthetic-unit", modelVersion: "1", quality: 80, capture: capture)
                let protection = Protection.privacyAndIntegrity(try PrivacyProtection(keyName: "bench/enc", key: encryption),
                                                                .mac(keyName: "bench/mac", key: mac))
                return try BiometricMessage.seal([.face(template, purpose: purpose, transaction: .fresh(at: Date()))], protection: protection).derEncoded()
            }
        }
    }
}
