internal import CBiomatchKernels
import Foundation

/// Bit-vector Minutia Cylinder-Code cylinders of one fingerprint: per cylinder,
/// `words` 64-bit words of cell bits then `words` words of cell validity, and the
/// direction of its minutia as a unit vector.
public struct BitCylinders: Sendable, Hashable {
    /// 64-bit words per cell-bit vector (and per validity vector).
    public let words: Int
    /// `count × 2 × words` words: bits then validity, cylinder after cylinder.
    public let storage: [UInt64]
    /// cos of each cylinder's minutia direction.
    public let cosines: [Float]
    /// sin of each cylinder's minutia direction.
    public let sines: [Float]

    /// Number of cylinders.
    public var count: Int { cosines.count }

    /// Creates a cylinder set; `storage.count` must be `directions.count × 2 × words`.
    public init(words: Int, storage: [UInt64], directions: [Float]) {
        precondition(storage.count == directions.count * 2 * words, "cylinder storage does not match the count")
        self.words = words
        self.storage = storage
        cosines = directions.map { Float(cos(Double($0))) }
        sines = directions.map { Float(sin(Double($0))) }
    }
}

/// Cylinder bits without validity, used by the first stage of 1:N search, sorted by
/// direction and stored both probe-style (`words` per cylinder) and gallery-style
/// (word-major blocks of 8 cylinders, the layout the SIMD kernels stream).
public struct CoarseCylinders: Sendable, Hashable {
    /// 64-bit words per cylinder.
    public let words: Int
    /// `words` per cylinder.
    public let rows: [UInt64]
    /// Word-major blocks of 8 cylinders (zero-padded).
    public let blocks: [UInt64]
    /// √popcount of each cylinder.
    public let norms: [Float]
    /// cos of each cylinder's minutia direction.
    public let cosines: [Float]
    /// sin of each cylinder's minutia direction.
    public let sines: [Float]
    /// Each cylinder's direction in [0, 2π).
    public let angles: [Float]
    /// Each cylinder's minutia position, x and y interleaved, relative to the template's
    /// centroid (pixels at 500 dpi).
    public let positions: [Float]
    /// Direction range of each block of 8 (cylinders are sorted by direction).
    public let blockLow: [Float]
    /// Direction range of each block of 8.
    public let blockHigh: [Float]

    /// Number of cylinders.
    public var count: Int { norms.count }

    /// Creates first-stage cylinders from `words` words per cylinder, each cylinder's
    /// minutia direction and position; they are stored sorted by direction (the order of
    /// scores does not depend on it). Positions are centred here; without them every
    /// minutia counts as at the centre (no translation check).
    public init(words: Int, rows unsorted: [UInt64], directions unsortedDirections: [Float], positions unsortedPositions: [SIMD2<Float>] = []) {
        precondition(words > 0 && unsorted.count == unsortedDirections.count * words, "cylinder rows do not match the count")
        precondition(unsortedPositions.isEmpty || unsortedPositions.count == unsortedDirections.count, "positions do not match the count")
        let twoPi = Float(2 * Double.pi)
        let wrapped = unsortedDirections.map { d -> Float in
            let r = d.truncatingRemainder(dividingBy: twoPi)
            return r < 0 ? r + twoPi : r
        }
        let order = wrapped.indices.sorted { wrapped[$0] < wrapped[$1] }
        var rows: [UInt64] = []
        rows.reserveCapacity(unsorted.count)
        for j in order { rows += unsorted[(j * words)..<((j + 1) * words)] }
        let directions = order.map { wrapped[$0] }
        let points = unsortedPositions.isEmpty ? [SIMD2<Float>](repeating: .zero, count: order.count) : unsortedPositions
        let centroid = points.isEmpty ? SIMD2<Float>.zero : points.reduce(.zero, +) / Float(points.count)
        positions = order.flatMap { [points[$0].x - centroid.x, points[$0].y - centroid.y] }
        self.words = words
        self.rows = rows
        angles = directions
        let n = directions.count
        blockLow = stride(from: 0, to: n, by: 8).map { directions[$0] }
        blockHigh = stride(from: 0, to: n, by: 8).map { directions[min(n - 1, $0 + 7)] }
        var blocks = [UInt64](repeating: 0, count: (n + 7) / 8 * 8 * words)
        for j in 0..<n {
            for w in 0..<words { blocks[((j / 8) * words + w) * 8 + j % 8] = rows[j * words + w] }
        }
        self.blocks = blocks
        norms = (0..<n).map { j in Float((0..<words).reduce(0) { $0 + rows[j * words + $1].nonzeroBitCount }).squareRoot() }
        cosines = directions.map { Float(cos(Double($0))) }
        sines = directions.map { Float(sin(Double($0))) }
    }
}

/// The cylinder similarity kernels (portable C, AVX2 and AVX-512 VPOPCNTDQ, chosen at run time).
public enum CylinderKernels {
    /// The local similarity matrix (row-major, `a.count × b.count`) of two cylinder sets:
    /// 1 − √|a⊕b| / (√|a| + √|b|) over the cells valid in both, 0 where fewer than
    /// `minimumMatchableCells` are valid in both or the directions differ by more than
    /// acos(`minimumDirectionCosine`).
    public static func localSimilarities(_ a: BitCylinders, _ b: BitCylinders, minimumMatchableCells: Int,
                                         minimumDirectionCosine: Float, into out: inout [Float]) {
        precondition(a.words == b.words, "cylinders of different sizes")
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(0, count: a.count * b.count))
        guard a.count > 0, b.count > 0 else { return }
        out.withUnsafeMutableBufferPointer { o in
            bmk_mcc_similarity(a.storage, a.cosines, a.sines, a.count, b.storage, b.cosines, b.sines, b.count,
                               a.words, UInt32(max(0, minimumMatchableCells)), minimumDirectionCosine, o.baseAddress)
        }
    }
}

/// Many fingerprints' coarse cylinders packed end to end, scanned by the 1:N first stage
/// without touching per-template objects.
public struct CoarseCylinderGallery: Sendable {
    private var blocks: [UInt64] = []
    private var words = 4
    private var norms: [Float] = []
    private var cosines: [Float] = []
    private var sines: [Float] = []
    private var angles: [Float] = []
    private var positions: [Float] = []
    private var blockLow: [Float] = []
    private var blockHigh: [Float] = []
    /// Per template: first block word, first cylinder, cylinder count (blocks start at cylinder / 8).
    private var spans: [(word: Int, cylinder: Int, count: Int)] = []

    /// Creates an empty gallery.
    public init() {}

    /// Number of templates.
    public var count: Int { spans.count }

    /// Bytes held.
    public var memoryBytes: Int {
        blocks.count * 8 + spans.count * 24
            + (norms.count + cosines.count + sines.count + angles.count + positions.count + blockLow.count + blockHigh.count) * 4
    }

    /// Appends one template's coarse cylinders.
    public mutating func append(_ c: CoarseCylinders) {
        // Pad the per-cylinder arrays to whole blocks so each template starts aligned.
        precondition(spans.isEmpty || c.words == words, "first-stage cylinders of different sizes")
        words = c.words
        let padded = (c.count + 7) / 8 * 8
        spans.append((blocks.count, norms.count, c.count))
        blocks += c.blocks
        norms += c.norms + [Float](repeating: 0, count: padded - c.count)
        cosines += c.cosines + [Float](repeating: 0, count: padded - c.count)
        sines += c.sines + [Float](repeating: 0, count: padded - c.count)
        angles += c.angles + [Float](repeating: 0, count: padded - c.count)
        positions += c.positions + [Float](repeating: 0, count: 2 * (padded - c.count))
        blockLow += c.blockLow
        blockHigh += c.blockHigh
    }

    /// Removes the template at `index` (later templates shift down by one).
    public mutating func remove(at index: Int) {
        let s = spans[index]
        let blockWords = (s.count + 7) / 8 * 8 * words, cylinders = (s.count + 7) / 8 * 8
        blocks.removeSubrange(s.word..<(s.word + blockWords))
        norms.removeSubrange(s.cylinder..<(s.cylinder + cylinders))
        cosines.removeSubrange(s.cylinder..<(s.cylinder + cylinders))
        sines.removeSubrange(s.cylinder..<(s.cylinder + cylinders))
        angles.removeSubrange(s.cylinder..<(s.cylinder + cylinders))
        positions.removeSubrange((2 * s.cylinder)..<(2 * (s.cylinder + cylinders)))
        blockLow.removeSubrange((s.cylinder / 8)..<((s.cylinder + cylinders) / 8))
        blockHigh.removeSubrange((s.cylinder / 8)..<((s.cylinder + cylinders) / 8))
        spans.remove(at: index)
        for i in index..<spans.count { spans[i].word -= blockWords; spans[i].cylinder -= cylinders }
    }

    /// Coarse scores of `probe` against every template, on `threads` threads: per template,
    /// each probe cylinder's best match within the direction gate votes for a rotation, and
    /// the best rotation window's votes are scored by how well their minutiae agree on one
    /// translation (within `translationTolerance` pixels for the consensus).
    public func scores(_ probe: CoarseCylinders, minimumDirectionCosine: Float, top: Int,
                       translationTolerance: Float = 15, threads: Int = 1) -> [Float] {
        var out = [Float](repeating: 0, count: spans.count)
        guard probe.count > 0, !spans.isEmpty else { return out }
        let k = max(1, min(16, top))
        let words = self.words
        let parts = max(1, min(threads, spans.count / 256 + 1))
        out.withUnsafeMutableBufferPointer { o in
            blocks.withUnsafeBufferPointer { b in
                norms.withUnsafeBufferPointer { n in
                    cosines.withUnsafeBufferPointer { c in
                        sines.withUnsafeBufferPointer { s in
                         angles.withUnsafeBufferPointer { an in
                          blockLow.withUnsafeBufferPointer { lo in
                           blockHigh.withUnsafeBufferPointer { hi in
                            positions.withUnsafeBufferPointer { ps in
                            guard let bb = b.baseAddress, let nb = n.baseAddress, let cb = c.baseAddress,
                                  let sb = s.baseAddress, let ob = o.baseAddress, let lob = lo.baseAddress,
                                  let hib = hi.baseAddress, let anb = an.baseAddress, let psb = ps.baseAddress else { return }
                            let shared = SendablePointers(out: ob, blocks: bb, norms: nb, cosines: cb, sines: sb,
                                                          angles: anb, low: lob, high: hib, positions: psb)
                            DispatchQueue.concurrentPerform(iterations: parts) { part in
                                let lo = spans.count * part / parts, hi = spans.count * (part + 1) / parts
                                for i in lo..<hi {
                                    let span = spans[i]
                                    guard span.count > 0 else { continue }
                                    shared.out[i] = bmk_mcc_coarse_score(
                                        probe.rows, probe.norms, probe.cosines, probe.sines, probe.count,
                                        shared.blocks + span.word, shared.norms + span.cylinder,
                                        shared.cosines + span.cylinder, shared.sines + span.cylinder, span.count,
                                        words, minimumDirectionCosine, k,
                                        probe.angles, shared.angles + span.cylinder,
                                        shared.low + span.cylinder / 8, shared.high + span.cylinder / 8,
                                        probe.positions, shared.positions + 2 * span.cylinder, translationTolerance)
                                }
                            }
                            }
                           }
                          }
                         }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Base pointers shared by the scan's worker threads; each writes a disjoint range of `out`.
private struct SendablePointers: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let blocks: UnsafePointer<UInt64>
    let norms: UnsafePointer<Float>
    let cosines: UnsafePointer<Float>
    let sines: UnsafePointer<Float>
    let angles: UnsafePointer<Float>
    let low: UnsafePointer<Float>
    let high: UnsafePointer<Float>
    let positions: UnsafePointer<Float>
}
