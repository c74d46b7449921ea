import BiomatchEvaluation
import Dispatch
import Foundation

/// A verification evaluation of one FVC set: every image extracted (failures counted as
/// FTE, their comparisons as non-matches), then the FVC protocol (genuine: every pair of
/// impressions of a finger; impostor: first impressions of different fingers) and the
/// all-pairs protocol (every cross-finger pair as impostor).
public struct FingerprintEvaluation: Sendable {
    /// One failed extraction.
    public struct Failure: Sendable, Codable {
        /// The image's file name.
        public let file: String
        /// Why extraction failed (the error's message).
        public let reason: String
    }

    /// Images in the set.
    public let images: Int
    /// Failed extractions.
    public let failures: [Failure]
    /// FVC protocol scores.
    public let fvc: VerificationErrorRates
    /// All-pairs protocol scores.
    public let allPairs: VerificationErrorRates
    /// Per-image extraction times (decode + extract, one image at a time), milliseconds.
    public let extractMilliseconds: [Double]
    /// Templates (nil where extraction failed), in the dataset's order.
    public let templates: [FingerprintTemplate?]
    /// Every compared pair: indices into the dataset's items and the score (−∞ when
    /// either extraction failed), in the order i < j.
    public let pairScores: [(i: Int, j: Int, score: Float)]

    /// Failure-to-enrol rate.
    public var failureToEnrolRate: Double { images == 0 ? 0 : Double(failures.count) / Double(images) }

    /// Extracts and compares a whole set on `threads` threads.
    public static func run(_ dataset: FVCDataset, extractor: MinutiaeExtractor = MinutiaeExtractor(),
                           matcher: FingerprintMatcher = FingerprintMatcher(), threads: Int = 2) -> FingerprintEvaluation {
        let items = dataset.items
        let n = items.count
        let threadCount = max(1, threads)
        // One image at a time, so that the recorded times are per-image latencies.
        let extracted = extract(dataset, extractor: extractor, threads: 1)
        let templates = extracted.map(\.template)
        let prepared = templates.map { $0.map(matcher.prepare) }
        // Score every pair once (symmetric use of the matcher's score: mean of both orders
        // would double the cost; the first order is what a verifier computes).
        let pairCount = n * (n - 1) / 2
        let scores = LockedArray<Float>(count: pairCount, initial: -.infinity)
        DispatchQueue.concurrentPerform(iterations: threadCount) { worker in
            var scratch = FingerprintMatcher.Scratch()
            var p = 0
            for i in 0..<n {
                for j in (i + 1)..<n {
                    defer { p += 1 }
                    guard p % threadCount == worker, let a = prepared[i], let b = prepared[j] else { continue }
                    scores[p] = Float(matcher.similarity(a, b, scratch: &scratch))
                }
            }
        }
        let all = scores.values
        var genuine: [Float] = [], impostorFVC: [Float] = [], impostorAll: [Float] = []
        var p = 0
        var pairScores: [(i: Int, j: Int, score: Float)] = []
        pairScores.reserveCapacity(pairCount)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let s = all[p]
                p += 1
                pairScores.append((i, j, s))
                if items[i].finger == items[j].finger {
                    genuine.append(s)
                } else {
                    impostorAll.append(s)
                    if items[i].impression == 1 && items[j].impression == 1 { impostorFVC.append(s) }
                }
            }
        }
        let failures = zip(items, extracted).compactMap { item, r in r.failure.map { Failure(file: item.url.lastPathComponent, reason: $0) } }
        return FingerprintEvaluation(images: n, failures: failures,
                                     fvc: VerificationErrorRates(genuine: genuine, impostor: impostorFVC),
                                     allPairs: VerificationErrorRates(genuine: genuine, impostor: impostorAll),
                                     extractMilliseconds: extracted.map(\.milliseconds), templates: templates,
                                     pairScores: pairScores)
    }
}

extension FingerprintEvaluation {
    /// One image's extraction outcome.
    public struct Extraction: Sendable {
        /// The template, or nil on failure.
        public let template: FingerprintTemplate?
        /// Why extraction failed.
        public let failure: String?
        /// Wall time of decode + extraction.
        public let milliseconds: Double
    }

    /// Extracts every image of `dataset` on `threads` threads, in the dataset's order.
    public static func extract(_ dataset: FVCDataset, extractor: MinutiaeExtractor = MinutiaeExtractor(), threads: Int = 2) -> [Extraction] {
        let items = dataset.items
        let results = LockedArray<Extraction>(count: items.count, initial: Extraction(template: nil, failure: nil, milliseconds: 0))
        let threadCount = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: threadCount) { worker in
            var i = worker
            while i < items.count {
                let start = DispatchTime.now().uptimeNanoseconds
                var template: FingerprintTemplate?
                var failure: String?
                do throws(FingerprintError) {
                    template = try extractor.extract(try FingerprintImage(contentsOf: items[i].url, dpi: dataset.dpi))
                } catch {
                    failure = error.message
                }
                results[i] = Extraction(template: template, failure: failure,
                                        milliseconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                i += threadCount
            }
        }
        return results.values
    }
}

/// A fixed-size array written from several threads, one index per writer.
final class LockedArray<T: Sendable>: @unchecked Sendable {
    // Writers touch distinct indices; the lock keeps the accesses formally ordered.
    private var storage: [T]
    private let lock = NSLock()

    init(count: Int, initial: T) { storage = Array(repeating: initial, count: count) }

    subscript(i: Int) -> T {
        get { lock.withLock { storage[i] } }
        set { lock.withLock { storage[i] = newValue } }
    }

    var values: [T] { lock.withLock { storage } }
}
