import BiomatchKernels
import Dispatch
import Foundation

/// A template made ready for comparison: its valid MCC cylinders (full and coarse), the
/// minutiae they belong to, in 500-dpi matcher coordinates, and their orientation
/// descriptors. Prepare a probe once and compare it with many candidates.
public struct PreparedFingerprint: Sendable, Hashable {
    /// Full 16×16×6 bit cylinders of the minutiae with a valid cylinder.
    package let cylinders: BitCylinders
    /// The same cylinders' bits without validity, in the 1:N first stage's layout.
    package let coarse: CoarseCylinders
    /// Minutiae behind `cylinders`, same order.
    let points: [MatchPoint]
    /// Number of minutiae in the source template.
    public let minutiaCount: Int
    /// Orientation descriptors of `points` (nil when the template has no orientation field).
    let descriptors: OrientationSamples?
}

/// Minutia Cylinder-Code matching with relaxation-based consolidation (MCC LSS-R),
/// weighted by orientation-based minutia descriptors.
///
/// Each minutia's neighbourhood becomes a bit-vector cylinder (16×16 spatial × 6
/// directional cells); two templates' cylinders are compared all against all with
/// popcount kernels, each similarity is weighted by how well the ridge flow around the
/// two minutiae agrees (orientation descriptors), the best one-to-one pairs are
/// consolidated by relaxation (pairs whose distances and angles agree with the other pairs
/// keep their weight), and the score is the mean of the most efficient pairs' relaxed
/// similarities: a value in 0–1. Templates without an orientation field (records from
/// other extractors) are weighted neutrally and score lower, never higher.
/// Stateless; safe from any thread.
public struct FingerprintMatcher: Sendable {
    let geometry = CylinderGeometry()
    /// Cells that must be valid in both cylinders (60 % of a cylinder's in-circle cells).
    let minMatchableFraction = 0.6
    /// Pairs whose directions differ by more than 90° are not compared.
    let minDirectionCosine: Float = 0

    /// Cells that must be valid in both cylinders.
    let minMatchableCells: Int

    /// Creates a matcher.
    public init() {
        minMatchableCells = Self.matchableCells(geometry: CylinderGeometry(), fraction: 0.6)
    }

    /// Prepares a template for comparison (builds its cylinders; about a millisecond).
    public func prepare(_ template: FingerprintTemplate) -> PreparedFingerprint {
        let scale = 500 / Double(max(1, template.dpi))
        let all = template.minutiae.map { MatchPoint(x: Double($0.x) * scale, y: Double($0.y) * scale, direction: Double($0.direction)) }
        let hull = ConvexHull(points: all)
        let full = CylinderBuilder.cylinders(of: all, hull: hull, geometry: geometry)
        var storage: [UInt64] = [], coarseRows: [UInt64] = [], points: [MatchPoint] = []
        for (i, cylinder) in full.enumerated() {
            guard let cylinder else { continue }
            storage += cylinder.bits
            storage += cylinder.mask
            coarseRows += Self.folded(cylinder.bits, geometry: geometry)
            points.append(all[i])
        }
        let directions = points.map { Float($0.direction) }
        let descriptors = template.orientationField.map { OrientationDescriptors.samples(of: points, field: $0) }
        return PreparedFingerprint(cylinders: BitCylinders(words: geometry.words, storage: storage, directions: directions),
                                   coarse: CoarseCylinders(words: Self.foldedWords(geometry), rows: coarseRows, directions: directions,
                                                           positions: points.map { SIMD2(Float($0.x), Float($0.y)) },
                                                           orientation: descriptors?.truncated(toWords: OrientationDescriptors.firstStageWords)),
                                   points: points, minutiaCount: template.minutiae.count, descriptors: descriptors)
    }

    /// 64-bit words of a folded cylinder (2×2 spatial cells OR-ed, direction layers kept).
    static func foldedWords(_ g: CylinderGeometry) -> Int {
        ((g.spatialCells / 2) * (g.spatialCells / 2) * g.directionCells + 63) / 64
    }

    /// The first stage's cylinder: each 2×2 block of spatial cells OR-ed into one, per
    /// direction layer (16×16×6 → 8×8×6, 1,536 → 384 bits), four times less to stream.
    static func folded(_ bits: [UInt64], geometry g: CylinderGeometry) -> [UInt64] {
        let n = g.spatialCells, h = n / 2
        var out = [UInt64](repeating: 0, count: foldedWords(g))
        for k in 0..<g.directionCells {
            for i in 0..<n {
                for j in 0..<n {
                    let bit = k * n * n + i * n + j
                    guard bits[bit >> 6] >> UInt64(bit & 63) & 1 != 0 else { continue }
                    let o = k * h * h + (i / 2) * h + j / 2
                    out[o >> 6] |= 1 << UInt64(o & 63)
                }
            }
        }
        return out
    }

    /// Prepares many templates on `threads` threads, in order.
    public func prepare(_ templates: [FingerprintTemplate], threads: Int = 2) -> [PreparedFingerprint] {
        let slots = LockedArray<PreparedFingerprint?>(count: templates.count, initial: nil)
        let parts = max(1, min(threads, templates.count))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var i = part
            while i < templates.count {
                slots[i] = prepare(templates[i])
                i += parts
            }
        }
        return slots.values.compactMap { $0 }
    }

    /// `fraction` of the cells in a cylinder's circle, over all direction layers.
    static func matchableCells(geometry: CylinderGeometry, fraction minMatchableFraction: Double) -> Int {
        Int((minMatchableFraction * Double(geometry.circleCells * geometry.directionCells)).rounded())
    }

    /// Number of pairs the score averages: 4–12, more for templates with more minutiae.
    static func consolidationCount(_ na: Int, _ nb: Int) -> Int {
        let n = Double(min(na, nb))
        let z = 1 / (1 + exp(-0.4 * (n - 20)))
        return 4 + Int((z * 8).rounded())
    }

    /// Working memory for comparisons, reused across calls on one thread.
    public struct Scratch: Sendable {
        var matrix: [Float] = []
        var keys: [UInt64] = []
        var histogram = [Int32](repeating: 0, count: 512)
        var usedA: [Bool] = []
        var usedB: [Bool] = []
        var pairA: [Int32] = []
        var pairB: [Int32] = []
        var lambda: [Float] = []
        var initial: [Float] = []
        var next: [Float] = []
        var rho: [Float] = []
        /// Creates empty working memory.
        public init() {}
    }

    /// Similarity 0–1 of two prepared fingerprints (symmetric up to rounding).
    public func similarity(_ a: PreparedFingerprint, _ b: PreparedFingerprint) -> Double {
        var scratch = Scratch()
        return similarity(a, b, scratch: &scratch)
    }

    /// ``similarity(_:_:)`` reusing `scratch` (no allocation after the first calls).
    public func similarity(_ a: PreparedFingerprint, _ b: PreparedFingerprint, scratch w: inout Scratch) -> Double {
        let na = a.points.count, nb = b.points.count
        guard na > 0, nb > 0 else { return 0 }
        // Each cylinder similarity times the agreement of the two minutiae's orientation
        // descriptors to the fourth power (OrientationDescriptors): cylinders that agree
        // by chance rarely sit in agreeing ridge flow. Where either template has no
        // orientation field (a record from another extractor) every weight is the neutral
        // one, so such comparisons score lower than the calibrated thresholds expect: more
        // false non-matches, never more false matches.
        CylinderKernels.localSimilarities(a.cylinders, b.cylinders, minimumMatchableCells: minMatchableCells,
                                          minimumDirectionCosine: minDirectionCosine, orientation: OrientationDescriptors.weighting,
                                          aOrientation: a.descriptors, bOrientation: b.descriptors, into: &w.matrix)
        let wanted = min(na, nb)
        // Greedy one-to-one assignment takes entries best first: a counting sort on 512
        // buckets (order inside a bucket, within 0.002, does not matter) instead of a
        // comparison sort of ~1,000 entries.
        for h in 0..<512 { w.histogram[h] = 0 }
        for v in w.matrix where v > 0 { w.histogram[min(511, Int(v * 512))] += 1 }
        var start: Int32 = 0
        for h in stride(from: 511, through: 0, by: -1) {  // bucket starts, best bucket first
            let c = w.histogram[h]
            w.histogram[h] = start
            start += c
        }
        w.keys.removeAll(keepingCapacity: true)
        w.keys.append(contentsOf: repeatElement(0, count: Int(start)))
        for (i, v) in w.matrix.enumerated() where v > 0 {
            let h = min(511, Int(v * 512))
            w.keys[Int(w.histogram[h])] = UInt64(i)
            w.histogram[h] += 1
        }
        w.usedA.removeAll(keepingCapacity: true); w.usedA.append(contentsOf: repeatElement(false, count: na))
        w.usedB.removeAll(keepingCapacity: true); w.usedB.append(contentsOf: repeatElement(false, count: nb))
        w.pairA.removeAll(keepingCapacity: true); w.pairB.removeAll(keepingCapacity: true)
        w.initial.removeAll(keepingCapacity: true)
        for key in w.keys {
            let idx = Int(key & 0xFFFF_FFFF)
            let i = idx / nb, j = idx % nb
            guard !w.usedA[i], !w.usedB[j] else { continue }
            w.usedA[i] = true
            w.usedB[j] = true
            w.pairA.append(Int32(i)); w.pairB.append(Int32(j)); w.initial.append(w.matrix[idx])
            if w.initial.count == wanted { break }
        }
        let np = Self.consolidationCount(na, nb)
        guard w.initial.count >= 2 else { return Double(w.initial.first ?? 0) / Double(np) }
        return relax(a.points, b.points, np: np, scratch: &w)
    }

    /// LSS-R consolidation (the paper's parameters): pairs whose mutual distances and
    /// angles agree support each other through five relaxation steps; the score is the
    /// mean relaxed similarity of the `np` pairs whose similarity held up best.
    func relax(_ pa: [MatchPoint], _ pb: [MatchPoint], np: Int, scratch w: inout Scratch) -> Double {
        let n = w.initial.count
        w.rho.removeAll(keepingCapacity: true)
        w.rho.append(contentsOf: repeatElement(0, count: n * n))
        @inline(__always) func z(_ v: Double, _ mu: Double, _ tau: Double) -> Double { 1 / (1 + exp(-tau * (v - mu))) }
        for t in 0..<n {
            let at = pa[Int(w.pairA[t])], bt = pb[Int(w.pairB[t])]
            for k in (t + 1)..<n {
                let ak = pa[Int(w.pairA[k])], bk = pb[Int(w.pairB[k])]
                let ax = at.x - ak.x, ay = at.y - ak.y, bx = bt.x - bk.x, by = bt.y - bk.y
                let d1 = abs((ax * ax + ay * ay).squareRoot() - (bx * bx + by * by).squareRoot())
                // Each factor under 1e-3 makes ρ negligible: skip the rest (most pairs).
                guard d1 < 9.4 else { continue }
                let d2 = abs(CylinderBuilder.angleDifference(CylinderBuilder.angleDifference(at.direction, ak.direction),
                                                             CylinderBuilder.angleDifference(bt.direction, bk.direction)))
                guard d2 < 0.49 else { continue }
                let ra = CylinderBuilder.angleDifference(at.direction, atan2(-ay, -ax))
                let rb = CylinderBuilder.angleDifference(bt.direction, atan2(-by, -bx))
                let d3 = abs(CylinderBuilder.angleDifference(ra, rb))
                guard d3 < 0.49 else { continue }
                let r = Float(z(d1, 5, -8.0 / 5) * z(d2, .pi / 12, -30) * z(d3, .pi / 12, -30))
                w.rho[t * n + k] = r
                w.rho[k * n + t] = r
            }
        }
        w.lambda.removeAll(keepingCapacity: true); w.lambda.append(contentsOf: w.initial)
        w.next.removeAll(keepingCapacity: true); w.next.append(contentsOf: w.initial)
        let spread = 1 / Float(n - 1)
        for _ in 0..<5 {
            for t in 0..<n {
                var s: Float = 0
                let row = t * n
                for k in 0..<n { s += w.rho[row + k] * w.lambda[k] }  // ρ(t,t) = 0
                w.next[t] = 0.5 * w.lambda[t] + 0.5 * s * spread
            }
            swap(&w.lambda, &w.next)
        }
        // The np pairs with the highest efficiency λ(final)/λ(initial).
        w.keys.removeAll(keepingCapacity: true)
        for t in 0..<n {
            let efficiency = w.lambda[t] / max(w.initial[t], 1e-9)
            w.keys.append(UInt64(efficiency.bitPattern) << 32 | UInt64(t))
        }
        w.keys.sort(by: >)
        var sum: Float = 0
        for key in w.keys.prefix(np) { sum += w.lambda[Int(key & 0xFFFF_FFFF)] }
        return Double(sum) / Double(np)
    }
}
