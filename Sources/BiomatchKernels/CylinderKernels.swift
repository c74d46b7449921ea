internal import CBiomatchKernels
import Foundation

/// Bit-vector Minutia Cylinder-Code cylinders of one fingerprint: per cylinder,
/// `words` 64-bit words of cell bits then `words` words of cell validity, and the
/// direction of its minutia as a unit vector.
package struct BitCylinders: Sendable, Hashable {
    /// 64-bit words per cell-bit vector (and per validity vector).
    package let words: Int
    /// `count × 2 × words` words: bits then validity, cylinder after cylinder.
    package let storage: [UInt64]
    /// cos of each cylinder's minutia direction.
    package let cosines: [Float]
    /// sin of each cylinder's minutia direction.
    package let sines: [Float]

    /// Number of cylinders.
    package var count: Int { cosines.count }

    /// Creates a cylinder set; `storage.count` must be `directions.count × 2 × words`.
    package init(words: Int, storage: [UInt64], directions: [Float]) {
        precondition(storage.count == directions.count * 2 * words, "cylinder storage does not match the count")
        self.words = words
        self.storage = storage
        cosines = directions.map { Float(cos(Double($0))) }
        sines = directions.map { Float(sin(Double($0))) }
    }
}

/// Orientation descriptors of one fingerprint's minutiae, in the layout the weighting
/// kernels read: per minutia, `wordsPerMinutia` 64-bit words of sample codes, then as
/// many words of validity. Each sample is a `bitsPerSample`-bit circular thermometer
/// code of a ridge orientation (the Hamming distance of two codes is their circular
/// distance in levels); its validity bits are all set where it lies inside the print.
package struct OrientationSamples: Sendable, Hashable {
    /// Words of codes (and of validity) per minutia.
    package let wordsPerMinutia: Int
    /// Bits per sample code.
    package let bitsPerSample: Int
    /// `count × 2 × wordsPerMinutia` words.
    package let storage: [UInt64]

    /// Number of minutiae.
    package var count: Int { wordsPerMinutia == 0 ? 0 : storage.count / (2 * wordsPerMinutia) }

    /// Creates a descriptor set; `storage` must hold whole descriptors.
    package init(wordsPerMinutia: Int, bitsPerSample: Int, storage: [UInt64]) {
        precondition(wordsPerMinutia > 0 && (1...32).contains(bitsPerSample) && storage.count % (2 * wordsPerMinutia) == 0,
                     "orientation descriptor storage does not hold whole descriptors")
        self.wordsPerMinutia = wordsPerMinutia
        self.bitsPerSample = bitsPerSample
        self.storage = storage
    }

    /// Each descriptor cut to its first `words` words of codes (and of validity): the
    /// samples those words hold.
    package func truncated(toWords words: Int) -> OrientationSamples {
        guard words < wordsPerMinutia else { return self }
        let stride = 2 * wordsPerMinutia
        var cut: [UInt64] = []
        cut.reserveCapacity(count * 2 * words)
        for n in 0..<count {
            cut += storage[(n * stride)..<(n * stride + words)]
            cut += storage[(n * stride + wordsPerMinutia)..<(n * stride + wordsPerMinutia + words)]
        }
        return OrientationSamples(wordsPerMinutia: words, bitsPerSample: bitsPerSample, storage: cut)
    }

    /// The descriptors reordered: descriptor `k` of the result is descriptor `order[k]`.
    package func reordered(_ order: [Int]) -> OrientationSamples {
        let stride = 2 * wordsPerMinutia
        return OrientationSamples(wordsPerMinutia: wordsPerMinutia, bitsPerSample: bitsPerSample,
                                  storage: order.flatMap { storage[($0 * stride)..<(($0 + 1) * stride)] })
    }
}

/// Cylinder bits without validity, used by the first stage of 1:N search, sorted by
/// direction and stored both probe-style (`words` per cylinder) and gallery-style
/// (word-major blocks of 8 cylinders, the layout the SIMD kernels stream).
package struct CoarseCylinders: Sendable, Hashable {
    /// 64-bit words per cylinder.
    package let words: Int
    /// `words` per cylinder.
    package let rows: [UInt64]
    /// Word-major blocks of 8 cylinders (zero-padded).
    package let blocks: [UInt64]
    /// √popcount of each cylinder.
    package let norms: [Float]
    /// cos of each cylinder's minutia direction.
    package let cosines: [Float]
    /// sin of each cylinder's minutia direction.
    package let sines: [Float]
    /// Each cylinder's direction in [0, 2π).
    package let angles: [Float]
    /// Each cylinder's minutia position, x and y interleaved, relative to the template's
    /// centroid (pixels at 500 dpi).
    package let positions: [Float]
    /// Direction range of each block of 8 (cylinders are sorted by direction).
    package let blockLow: [Float]
    /// Direction range of each block of 8.
    package let blockHigh: [Float]
    /// Each cylinder's orientation descriptor, in the same (sorted) order, if any.
    package let orientation: OrientationSamples?

    /// Number of cylinders.
    package var count: Int { norms.count }

    /// Creates first-stage cylinders from `words` words per cylinder, each cylinder's
    /// minutia direction and position, and optionally orientation descriptor; they are
    /// stored sorted by direction (the order of scores does not depend on it). Positions
    /// are centred here; without them every minutia counts as at the centre (no
    /// translation check).
    package init(words: Int, rows unsorted: [UInt64], directions unsortedDirections: [Float], positions unsortedPositions: [SIMD2<Float>] = [],
                orientation unsortedOrientation: OrientationSamples? = nil) {
        precondition(words > 0 && unsorted.count == unsortedDirections.count * words, "cylinder rows do not match the count")
        precondition(unsortedPositions.isEmpty || unsortedPositions.count == unsortedDirections.count, "positions do not match the count")
        precondition(unsortedOrientation.map { $0.count == unsortedDirections.count } ?? true, "orientation samples do not match the count")
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
        orientation = unsortedOrientation?.reordered(order)
    }
}

/// The cylinder similarity kernels (portable C, AVX2 and AVX-512 VPOPCNTDQ, chosen at run time).
package enum CylinderKernels {
    /// The local similarity matrix (row-major, `a.count × b.count`) of two cylinder sets:
    /// 1 − √|a⊕b| / (√|a| + √|b|) over the cells valid in both, 0 where fewer than
    /// `minimumMatchableCells` are valid in both or the directions differ by more than
    /// acos(`minimumDirectionCosine`). With `orientation`, each similarity is multiplied by
    /// the pair's descriptor weight a⁴, a being the mean agreement (cos 2Δα to the codes'
    /// resolution) of the samples inside both prints, clipped at 0; `orientation.neutral`⁴
    /// where fewer than `orientation.minimumShared` samples are shared or either side has
    /// no descriptors. Pairs weighing under 0.02 are 0, their cylinders not compared.
    package static func localSimilarities(_ a: BitCylinders, _ b: BitCylinders, minimumMatchableCells: Int,
                                         minimumDirectionCosine: Float, orientation: OrientationWeighting? = nil,
                                         aOrientation: OrientationSamples? = nil, bOrientation: OrientationSamples? = nil,
                                         into out: inout [Float]) {
        precondition(a.words == b.words, "cylinders of different sizes")
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(0, count: a.count * b.count))
        guard a.count > 0, b.count > 0 else { return }
        var descriptorsA = aOrientation, descriptorsB = bOrientation
        if let da = descriptorsA, let db = descriptorsB {
            precondition(da.count == a.count && db.count == b.count, "orientation descriptors do not match the cylinders")
            if da.wordsPerMinutia != db.wordsPerMinutia || da.bitsPerSample != db.bitsPerSample { descriptorsA = nil; descriptorsB = nil }
        }
        let storageA = descriptorsA?.storage ?? [], storageB = descriptorsB?.storage ?? []
        out.withUnsafeMutableBufferPointer { o in
            storageA.withUnsafeBufferPointer { pa in
                storageB.withUnsafeBufferPointer { pb in
                    let both = descriptorsA != nil && descriptorsB != nil
                    var pair = bmk_orientation_pair(a: both ? pa.baseAddress : nil, b: both ? pb.baseAddress : nil,
                                                    words: descriptorsA?.wordsPerMinutia ?? 0, bits: UInt32(descriptorsA?.bitsPerSample ?? 0),
                                                    min_shared: UInt32(max(0, orientation?.minimumShared ?? 0)),
                                                    neutral: orientation?.neutral ?? 1)
                    withUnsafePointer(to: &pair) { p in
                        bmk_mcc_similarity(a.storage, a.cosines, a.sines, a.count, b.storage, b.cosines, b.sines, b.count,
                                           a.words, UInt32(max(0, minimumMatchableCells)), minimumDirectionCosine, o.baseAddress,
                                           orientation == nil ? nil : p)
                    }
                }
            }
        }
    }

}

/// Many fingerprints' coarse cylinders packed end to end, scanned by the 1:N first stage
/// without touching per-template objects.
package struct CoarseCylinderGallery: Sendable {
    private var blocks: [UInt64] = []
    private var words = 4
    private var norms: [Float] = []
    private var cosines: [Float] = []
    private var sines: [Float] = []
    private var angles: [Float] = []
    private var positions: [Float] = []
    private var blockLow: [Float] = []
    private var blockHigh: [Float] = []
    private var orientationWords: [UInt64] = []
    /// Per template: first block word, first cylinder, cylinder count (blocks start at
    /// cylinder / 8), and its orientation descriptors' first word, words per minutia and
    /// bits per sample (0: none).
    private var spans: [(word: Int, cylinder: Int, count: Int, orientation: Int, words: Int, bits: Int)] = []

    /// Creates an empty gallery.
    package init() {}

    /// Number of templates.
    package var count: Int { spans.count }

    /// Bytes held.
    package var memoryBytes: Int {
        blocks.count * 8 + spans.count * 48 + orientationWords.count * 8
            + (norms.count + cosines.count + sines.count + angles.count + positions.count + blockLow.count + blockHigh.count) * 4
    }

    /// Appends one template's coarse cylinders.
    package mutating func append(_ c: CoarseCylinders) {
        // Pad the per-cylinder arrays to whole blocks so each template starts aligned.
        precondition(spans.isEmpty || c.words == words, "first-stage cylinders of different sizes")
        words = c.words
        let padded = (c.count + 7) / 8 * 8
        spans.append((blocks.count, norms.count, c.count, orientationWords.count,
                      c.orientation?.wordsPerMinutia ?? 0, c.orientation?.bitsPerSample ?? 0))
        orientationWords += c.orientation?.storage ?? []
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
    package mutating func remove(at index: Int) {
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
        let descriptorWords = s.count * 2 * s.words
        orientationWords.removeSubrange(s.orientation..<(s.orientation + descriptorWords))
        spans.remove(at: index)
        for i in index..<spans.count {
            spans[i].word -= blockWords
            spans[i].cylinder -= cylinders
            spans[i].orientation -= descriptorWords
        }
    }

    /// Coarse scores of `probe` against every template, on `threads` threads: per template,
    /// each probe cylinder's best match within the direction gate votes for a rotation, and
    /// the best rotation window's votes are scored by how well their minutiae agree on one
    /// translation (within `translationTolerance` pixels for the consensus). With
    /// `orientation`, each vote is first weighted by the two minutiae's orientation
    /// descriptors, as ``CylinderKernels/localSimilarities(_:_:minimumMatchableCells:minimumDirectionCosine:orientation:aOrientation:bOrientation:into:)``
    /// weights the full matcher's similarities (neutral where either side has none).
    ///
    /// With `reselect` (and `orientation`), each probe cylinder votes with the match whose
    /// weighted similarity is best among its eight lane bests (the best candidate cylinder
    /// of each residue mod 8) instead of the weighted raw best: about two and a half times
    /// the cost, and mates rank far higher (see the kernel, `bmk_mcc_coarse_score`).
    ///
    /// With `keep`, only the `keep` best scores are wanted: each thread holds its best so
    /// far, and a template that provably cannot beat the weakest of them gets an upper bound
    /// of its score below that cut instead (most of the vote is skipped). Taking the `keep`
    /// best of the result gives the same templates as without `keep`.
    ///
    /// With `among`, only those templates are scored; the result holds their scores in
    /// that order.
    package func scores(_ probe: CoarseCylinders, minimumDirectionCosine: Float, top: Int,
                       translationTolerance: Float = 15, orientation: OrientationWeighting? = nil, reselect: Bool = false,
                       keep: Int? = nil, among: [Int]? = nil, threads: Int = 1) -> [Float] {
        precondition(among?.allSatisfy { spans.indices.contains($0) } ?? true, "template index out of range")
        let total = among?.count ?? spans.count
        var out = [Float](repeating: 0, count: total)
        guard probe.count > 0, total > 0 else { return out }
        let k = max(1, min(16, top))
        let words = self.words
        let parts = max(1, min(threads, total / 256 + 1))
        let probeWords = probe.orientation?.wordsPerMinutia ?? 0, probeBits = probe.orientation?.bitsPerSample ?? 0
        let probeDescriptors = probe.orientation?.storage ?? []
        out.withUnsafeMutableBufferPointer { o in
            blocks.withUnsafeBufferPointer { b in
                norms.withUnsafeBufferPointer { n in
                    cosines.withUnsafeBufferPointer { c in
                        sines.withUnsafeBufferPointer { s in
                         angles.withUnsafeBufferPointer { an in
                          blockLow.withUnsafeBufferPointer { lo in
                           blockHigh.withUnsafeBufferPointer { hi in
                            positions.withUnsafeBufferPointer { ps in
                             orientationWords.withUnsafeBufferPointer { ow in
                               probeDescriptors.withUnsafeBufferPointer { pd in
                            guard let bb = b.baseAddress, let nb = n.baseAddress, let cb = c.baseAddress,
                                  let sb = s.baseAddress, let ob = o.baseAddress, let lob = lo.baseAddress,
                                  let hib = hi.baseAddress, let anb = an.baseAddress, let psb = ps.baseAddress else { return }
                            let shared = SendablePointers(out: ob, blocks: bb, norms: nb, cosines: cb, sines: sb,
                                                          angles: anb, low: lob, high: hib, positions: psb,
                                                          orientation: ow.baseAddress, probeOrientation: pd.baseAddress)
                            DispatchQueue.concurrentPerform(iterations: parts) { part in
                                let lo = total * part / parts, hi = total * (part + 1) / parts
                                var kept = keep.map { TopK(k: max(1, $0)) }
                                for p in lo..<hi {
                                    let span = spans[among?[p] ?? p]
                                    guard span.count > 0 else { continue }
                                    // Descriptors count only where both sides have them, in one layout.
                                    let both = probeWords > 0 && span.words == probeWords && span.bits == probeBits
                                    var pair = bmk_orientation_pair(
                                        a: both ? shared.probeOrientation : nil,
                                        b: both ? shared.orientation.map { $0 + span.orientation } : nil,
                                        words: probeWords, bits: UInt32(probeBits),
                                        min_shared: UInt32(max(0, orientation?.minimumShared ?? 0)),
                                        neutral: orientation?.neutral ?? 1)
                                    let cut = kept?.admissionScore ?? -.infinity
                                    let score = withUnsafePointer(to: &pair) { pairPointer in
                                        bmk_mcc_coarse_score(
                                            probe.rows, probe.norms, probe.cosines, probe.sines, probe.count,
                                            shared.blocks + span.word, shared.norms + span.cylinder,
                                            shared.cosines + span.cylinder, shared.sines + span.cylinder, span.count,
                                            words, minimumDirectionCosine, k,
                                            probe.angles, shared.angles + span.cylinder,
                                            shared.low + span.cylinder / 8, shared.high + span.cylinder / 8,
                                            probe.positions, shared.positions + 2 * span.cylinder, translationTolerance,
                                            orientation == nil ? nil : pairPointer, cut, reselect ? 1 : 0)
                                    }
                                    shared.out[p] = score
                                    kept?.offer(index: p, score: score)
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
            }
        }
        return out
    }
}

/// How cylinder similarities (full matcher) or first-stage votes are weighted by
/// orientation descriptors.
package struct OrientationWeighting: Sendable, Hashable {
    /// Samples that must lie inside both prints for a descriptor comparison to count.
    package let minimumShared: Int
    /// The agreement assumed where fewer are shared or a side has no descriptors.
    package let neutral: Float

    /// Creates settings.
    package init(minimumShared: Int, neutral: Float) {
        self.minimumShared = minimumShared
        self.neutral = neutral
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
    let orientation: UnsafePointer<UInt64>?
    let probeOrientation: UnsafePointer<UInt64>?
}
