@testable import BiomatchKernels
import BiomatchTestSupport
import Testing

/// The orientation-descriptor weighting of local similarities (full matcher) and of the
/// first stage's votes, at every SIMD level.
@Suite("Orientation weighting kernels", .serialized)
struct OrientationWeightingTests {
    /// `count` descriptors of `samples` 4-bit codes (16 per word) with every sample valid
    /// where `valid` says so; level codes from `levels(n, t)` (0..<8, circular thermometer).
    static func descriptors(count: Int, samples: Int = 32, valid: (Int, Int) -> Bool = { _, _ in true },
                            levels: (Int, Int) -> Int) -> OrientationSamples {
        let words = (samples * 4 + 63) / 64
        let codes: [UInt64] = [0b0000, 0b0001, 0b0011, 0b0111, 0b1111, 0b1110, 0b1100, 0b1000]
        var storage = [UInt64](repeating: 0, count: count * 2 * words)
        for n in 0..<count {
            for t in 0..<samples where valid(n, t) {
                let bit = t * 4
                storage[n * 2 * words + bit / 64] |= codes[levels(n, t) % 8] << UInt64(bit % 64)
                storage[n * 2 * words + words + bit / 64] |= 0xF << UInt64(bit % 64)
            }
        }
        return OrientationSamples(wordsPerMinutia: words, bitsPerSample: 4, storage: storage)
    }

    @Test func weightsFollowTheAgreementOfTheSharedSamples() {
        let a = Self.descriptors(count: 1) { _, t in t % 8 }
        // 0: the same codes; 1: every sample two levels (90° of doubled angle) off; 2: one
        // level off (mean agreement 1 − 2·1/4 = 0.5); 3: opposite; 4: only 8 samples valid.
        let b = Self.descriptors(count: 5, valid: { n, t in n != 4 || t < 8 }) { n, t in
            [t % 8, t % 8 + 2, t % 8 + 1, t % 8 + 4, t % 8][n]
        }
        // One cylinder against five copies of itself: every similarity 1 before weighting.
        let c = CylinderKernelTests.randomCylinders(1, words: 24, seed: 9)
        let one = BitCylinders(words: 24, storage: c.storage, directions: c.directions)
        let five = BitCylinders(words: 24, storage: Array(repeating: c.storage, count: 5).flatMap { $0 },
                                directions: Array(repeating: c.directions[0], count: 5))
        let weighting = OrientationWeighting(minimumShared: 19, neutral: 0.8)
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            var matrix: [Float] = []
            CylinderKernels.localSimilarities(one, five, minimumMatchableCells: 0, minimumDirectionCosine: 0,
                                              orientation: weighting, aOrientation: a, bOrientation: b, into: &matrix)
            #expect(abs(matrix[0] - 1) < 1e-6, "identical flows keep the similarity whole")
            #expect(matrix[1] == 0, "orthogonal flows remove it")
            #expect(abs(matrix[2] - 0.0625) < 1e-6, "agreement 0.5 weighs 0.5⁴")
            #expect(matrix[3] == 0)
            #expect(abs(matrix[4] - 0.4096) < 1e-6, "too few shared samples weigh neutral⁴")
            // No descriptors on one side: every weight neutral⁴; no weighting: unchanged.
            CylinderKernels.localSimilarities(one, five, minimumMatchableCells: 0, minimumDirectionCosine: 0,
                                              orientation: weighting, aOrientation: a, bOrientation: nil, into: &matrix)
            #expect(matrix.allSatisfy { abs($0 - 0.4096) < 1e-6 })
            CylinderKernels.localSimilarities(one, five, minimumMatchableCells: 0, minimumDirectionCosine: 0, into: &matrix)
            #expect(matrix.allSatisfy { abs($0 - 1) < 1e-6 })
        }
    }

    @Test func descriptorsKeepTheirOrderUnderTruncationAndReordering() {
        let d = Self.descriptors(count: 3, samples: 48) { n, t in n + t }
        let cut = d.truncated(toWords: 2)
        #expect(cut.count == 3 && cut.wordsPerMinutia == 2)
        #expect(cut.storage[0..<2] == d.storage[0..<2])
        #expect(cut.storage[2..<4] == d.storage[3..<5])
        let turned = d.reordered([2, 0, 1])
        #expect(turned.storage[0..<6] == d.storage[12..<18])
    }

    @Test func firstStageVotesAreWeightedLikeTheFullMatcher() {
        let a = CylinderKernelTests.randomCylinders(20, words: 6, seed: 5)
        let rows = stride(from: 0, to: a.storage.count, by: 12).flatMap { a.storage[$0..<($0 + 6)] }
        let same = Self.descriptors(count: 20) { n, t in n + t }
        let crossed = Self.descriptors(count: 20) { n, t in n + t + 2 }
        let probe = CoarseCylinders(words: 6, rows: rows, directions: a.directions, orientation: same)
        var gallery = CoarseCylinderGallery()
        gallery.append(CoarseCylinders(words: 6, rows: rows, directions: a.directions, orientation: same))
        gallery.append(CoarseCylinders(words: 6, rows: rows, directions: a.directions, orientation: crossed))
        gallery.append(CoarseCylinders(words: 6, rows: rows, directions: a.directions))
        let weighting = OrientationWeighting(minimumShared: 8, neutral: 0.8)
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            let plain = gallery.scores(probe, minimumDirectionCosine: 0, top: 8)
            let weighted = gallery.scores(probe, minimumDirectionCosine: 0, top: 8, orientation: weighting)
            #expect(plain[0] > 0.5 && plain[0] == plain[1] && plain[1] == plain[2])
            #expect(abs(weighted[0] - plain[0]) < 1e-5, "agreeing flows leave the score")
            #expect(weighted[1] == 0, "crossed flows remove every vote")
            #expect(abs(weighted[2] - plain[2] * 0.4096) < 1e-4, "no descriptors: neutral⁴")
        }
        // Removing a template keeps the others' descriptors in place.
        gallery.remove(at: 0)
        let after = gallery.scores(probe, minimumDirectionCosine: 0, top: 8, orientation: weighting)
        #expect(after.count == 2 && after[0] == 0 && after[1] > 0)
    }
    @Test func reselectedVotesPreferTheMatchWhoseFlowAgrees() {
        // Each probe cylinder twice in the candidate: an exact copy whose flow is crossed
        // (weight 0) and a copy with one bit per word flipped whose flow agrees.
        let a = CylinderKernelTests.randomCylinders(20, words: 6, seed: 21)
        let rows = stride(from: 0, to: a.storage.count, by: 12).flatMap { a.storage[$0..<($0 + 6)] }
        let noisy = rows.enumerated().map { $0.element ^ (1 << UInt64($0.offset % 64)) }
        let probe = CoarseCylinders(words: 6, rows: rows, directions: a.directions,
                                    orientation: Self.descriptors(count: 20) { n, t in n + t })
        let both = CoarseCylinders(words: 6, rows: rows + noisy, directions: a.directions + a.directions,
                                   orientation: Self.descriptors(count: 40) { n, t in n < 20 ? n + t + 2 : n - 20 + t })
        var gallery = CoarseCylinderGallery()
        gallery.append(both)
        let weighting = OrientationWeighting(minimumShared: 8, neutral: 0.8)
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            let raw = gallery.scores(probe, minimumDirectionCosine: 0, top: 8, orientation: weighting)
            let reselected = gallery.scores(probe, minimumDirectionCosine: 0, top: 8, orientation: weighting, reselect: true)
            let unweighted = gallery.scores(probe, minimumDirectionCosine: 0, top: 8, reselect: true)
            #expect(raw[0] == 0, "the raw best is the crossed copy: no vote survives its weight")
            #expect(reselected[0] > 0.8, "the agreeing copy votes instead: \(reselected)")
            #expect(abs(unweighted[0] - 1) < 1e-3, "without descriptors the exact copy votes")
        }
    }
}
