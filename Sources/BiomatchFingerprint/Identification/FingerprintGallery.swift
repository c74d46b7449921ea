import BiomatchKernels
import Dispatch
import Foundation

/// A 1:N fingerprint gallery: add, search, remove.
///
/// Search is a two-stage cascade. The first stage scores the probe against every
/// template with folded cylinders (8×8×6 bits, no validity masks; AVX-512 or AVX2 popcount over
/// direction-sorted blocks of 8, with blocks outside the direction gate skipped) and a
/// Hough-style vote instead of consolidation: each probe cylinder's best match votes for a
/// rotation with its similarity weighted by the two minutiae's orientation descriptors (as
/// the full matcher weights its similarities), and the best rotation's votes count by how
/// well their minutiae agree on one translation, a few microseconds per template. The
/// second runs the full matcher on the best `survivors` only and ranks by its score. ``searchExhaustive(_:k:)``
/// runs the full matcher on everything, the reference the cascade is checked against.
/// Not thread-safe for writes: wrap in an actor or lock when shared.
public struct FingerprintGallery: Sendable {
    /// One search result.
    public struct Candidate: Sendable, Hashable {
        /// The caller's id for the template.
        public let id: String
        /// Full-matcher similarity 0–1.
        public let score: Double
    }

    /// Search settings.
    public struct SearchParameters: Sendable {
        /// Templates the full matcher re-scores (the rest are ranked out by the first stage).
        /// On FVC2002 DB1–DB4 with 10,000 distractors, the cascade's rank-1 rate at 100
        /// survivors (after re-ranking 600, ``reranked``) against exhaustive search's:
        /// DB1 1.0000 / 0.9857, DB2 0.9714 / 0.9429, DB3 0.9286 / 0.9143, DB4 1.0000 / 1.0000.
        /// Without the re-ranking DB4 lost one weak mate that the cheap vote ranked 462nd.
        public var survivors = 100
        /// Templates the first stage re-ranks with its dearer vote choice (each probe
        /// cylinder votes with the best weighted match among its lane bests, see
        /// ``CoarseCylinderGallery/scores(_:minimumDirectionCosine:top:translationTolerance:orientation:reselect:keep:among:threads:)``)
        /// before the full matcher sees the best ``survivors``. The cheap vote ranked every
        /// FVC2002 mate that exhaustive search puts first within its best 545 of 10,010.
        /// Re-ranking 600 costs about what the cheap vote alone cost before its exact
        /// pruning (`bench finger` on a 2-core AVX2 host: search p50 21–24 ms against
        /// 23–25 ms; 1,000: 25–29 ms); 0 skips the re-ranking (19.6–22.4 ms, and DB4 loses
        /// that mate).
        public var reranked = 600
        /// Worker threads for both stages.
        public var threads = 2
        /// The first stage compares cylinders whose directions differ by at most
        /// acos(this), about 45° by default (the full matcher allows 90°). On FVC2002 with
        /// 10,000 distractors 45° both ran faster and ranked better than 60°.
        public var firstStageDirectionCosine: Float = 0.7
        /// Pixels (at 500 dpi) within which the first stage's votes must agree on a
        /// translation to form the consensus alignment; votes farther from it count less
        /// (a Gaussian fall-off of 15 px, never below a quarter). Chosen before the
        /// orientation descriptors: on FVC2002 with 10,000 distractors, DB3's cascade rank-1
        /// against exhaustive search's 0.8143 was then 0.8000, 0.8143, 0.7857, 0.8286 and
        /// 0.8000 at 12, 15, 18, 21 and 25 px.
        public var firstStageTranslationTolerance: Float = 15
        /// Creates the defaults.
        public init() {}
    }

    /// The matcher used for preparing and the second stage.
    public let matcher: FingerprintMatcher
    private(set) var ids: [String] = []
    private(set) var prepared: [PreparedFingerprint] = []
    private var coarse = CoarseCylinderGallery()

    /// Creates an empty gallery.
    public init(matcher: FingerprintMatcher = FingerprintMatcher()) { self.matcher = matcher }

    /// Number of templates.
    public var count: Int { ids.count }

    /// Approximate bytes held (cylinders of both stages).
    public var memoryBytes: Int {
        coarse.memoryBytes + prepared.reduce(0) {
            $0 + $1.cylinders.storage.count * 8 + $1.points.count * 24 + ($1.descriptors?.storage.count ?? 0) * 8
        }
    }

    /// Adds a template under `id` (ids need not be unique: one subject may have several).
    public mutating func add(_ template: FingerprintTemplate, id: String) {
        add(matcher.prepare(template), id: id)
    }

    /// Adds an already prepared template.
    public mutating func add(_ template: PreparedFingerprint, id: String) {
        ids.append(id)
        prepared.append(template)
        coarse.append(template.coarse)
    }

    /// Removes every template stored under `id`; returns how many were removed.
    @discardableResult
    public mutating func remove(id: String) -> Int {
        var removed = 0
        var i = ids.count - 1
        while i >= 0 {
            if ids[i] == id {
                ids.remove(at: i)
                prepared.remove(at: i)
                coarse.remove(at: i)
                removed += 1
            }
            i -= 1
        }
        return removed
    }

    /// The `k` best candidates for `probe` by the cascade, best first.
    public func search(_ probe: PreparedFingerprint, k: Int, parameters: SearchParameters = SearchParameters()) -> [Candidate] {
        guard !ids.isEmpty, k > 0 else { return [] }
        let top = FingerprintMatcher.consolidationCount(probe.points.count, probe.points.count)
        let keep = min(ids.count, max(k, parameters.survivors))
        let rerank = parameters.reranked > keep ? min(ids.count, parameters.reranked) : 0
        let weighting = OrientationDescriptors.firstStageWeighting
        let first = coarse.scores(probe.coarse, minimumDirectionCosine: parameters.firstStageDirectionCosine,
                                  top: top, translationTolerance: parameters.firstStageTranslationTolerance,
                                  orientation: weighting, keep: max(keep, rerank), threads: parameters.threads)
        var survivors = Self.topIndices(first, max(keep, rerank))
        if rerank > keep {
            let second = coarse.scores(probe.coarse, minimumDirectionCosine: parameters.firstStageDirectionCosine,
                                       top: top, translationTolerance: parameters.firstStageTranslationTolerance,
                                       orientation: weighting, reselect: true, keep: keep, among: survivors,
                                       threads: parameters.threads)
            survivors = Self.topIndices(second, keep).map { survivors[$0] }
        }
        return rescore(probe, survivors, k: k, threads: parameters.threads)
    }

    /// The `k` best candidates by the full matcher on every template (the accuracy reference).
    public func searchExhaustive(_ probe: PreparedFingerprint, k: Int, threads: Int = 2) -> [Candidate] {
        guard !ids.isEmpty, k > 0 else { return [] }
        return rescore(probe, Array(ids.indices), k: k, threads: threads)
    }

    private func rescore(_ probe: PreparedFingerprint, _ indices: [Int], k: Int, threads: Int) -> [Candidate] {
        let scores = LockedArray<Double>(count: indices.count, initial: 0)
        let parts = max(1, min(threads, indices.count))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var scratch = FingerprintMatcher.Scratch()
            var i = part
            while i < indices.count {
                scores[i] = matcher.similarity(probe, prepared[indices[i]], scratch: &scratch)
                i += parts
            }
        }
        let values = scores.values
        var best = TopK(k: k)
        for (i, v) in values.enumerated() { best.offer(index: i, score: Float(v)) }
        return best.sorted.map { Candidate(id: ids[indices[$0.index]], score: values[$0.index]) }
    }

    /// Indices of the `k` largest values, best first (ties: lower index), by the bounded heap.
    static func topIndices(_ values: [Float], _ k: Int) -> [Int] {
        guard k < values.count else { return Array(values.indices) }
        var best = TopK(k: k)
        for (i, v) in values.enumerated() where v > best.admissionScore { best.offer(index: i, score: v) }
        return best.sorted.map(\.index)
    }
}
