@testable import BiomatchKernels
import BiomatchTestSupport
import Testing

/// The MCC popcount kernels: every SIMD level agrees with the portable C code.
@Suite("Cylinder kernels", .serialized)
struct CylinderKernelTests {
    static func randomCylinders(_ n: Int, words: Int, seed: UInt64) -> (storage: [UInt64], directions: [Float]) {
        var generator = SplitMix64(seed: seed)
        func next() -> UInt64 { generator.next() }
        var storage: [UInt64] = []
        var directions: [Float] = []
        for _ in 0..<n {
            var mask: [UInt64] = []
            var bits: [UInt64] = []
            for _ in 0..<words {
                let m = next() | next()  // about 3/4 of the cells valid
                mask.append(m)
                bits.append(next() & next() & m)  // sparse bits inside the valid cells
            }
            storage += bits + mask
            directions.append(Float(next() % 6283) / 1000)
        }
        return (storage, directions)
    }

    @Test func localSimilaritiesAgreeAcrossSIMDLevels() {
        let a = Self.randomCylinders(13, words: 24, seed: 1), b = Self.randomCylinders(29, words: 24, seed: 2)
        let ca = BitCylinders(words: 24, storage: a.storage, directions: a.directions)
        let cb = BitCylinders(words: 24, storage: b.storage, directions: b.directions)
        var results: [[Float]] = [], levelsRun: Set<SIMDLevel> = []
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            levelsRun.insert(cap.level)
            var out: [Float] = []
            CylinderKernels.localSimilarities(ca, cb, minimumMatchableCells: 700, minimumDirectionCosine: 0, into: &out)
            results.append(out)
        }
        // Every level this CPU has really ran (portable and at least AVX2 on the machines we promise).
        #expect(levelsRun == Set(SIMDLevel.allCases.filter { $0 <= SIMDLevelCap.best }))
        #expect(results.count == SIMDLevel.allCases.count)
        for r in results.dropFirst() {
            #expect(zip(r, results[0]).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        #expect(results[0].contains { $0 > 0 })  // the test data exercises the formula
        // A cylinder against itself: similarity 1 (all bits agree).
        var selfOut: [Float] = []
        CylinderKernels.localSimilarities(ca, ca, minimumMatchableCells: 0, minimumDirectionCosine: 0, into: &selfOut)
        for i in 0..<ca.count { #expect(abs(selfOut[i * ca.count + i] - 1) < 1e-6) }
    }

    @Test func firstStageScoresAgreeAcrossSIMDLevelsAndPreferTheSameFinger() {
        let a = Self.randomCylinders(20, words: 6, seed: 3), b = Self.randomCylinders(37, words: 6, seed: 4)
        let rows = { (s: [UInt64]) in stride(from: 0, to: s.count, by: 12).flatMap { s[$0..<($0 + 6)] } }
        let probe = CoarseCylinders(words: 6, rows: rows(a.storage), directions: a.directions)
        let other = CoarseCylinders(words: 6, rows: rows(b.storage), directions: b.directions)
        var gallery = CoarseCylinderGallery()
        gallery.append(other)
        gallery.append(probe)
        var results: [[Float]] = []
        for level in SIMDLevel.allCases {  // levels the CPU lacks run as the highest it has
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            results.append(gallery.scores(probe, minimumDirectionCosine: 0.5, top: 8, threads: 1))
        }
        // Approximate reciprocals in the SIMD paths (rcp14, rcp): agreement to 1e-3.
        for r in results.dropFirst() {
            #expect(zip(results[0], r).allSatisfy { abs($0 - $1) < 1e-3 }, "\(results)")
            #expect(r[1] > r[0])  // the probe finds itself first
            #expect(abs(r[1] - 1) < 1e-3)
        }
        let highest = results[results.count - 1]
        gallery.remove(at: 0)
        #expect(gallery.count == 1)
        #expect(abs(gallery.scores(probe, minimumDirectionCosine: 0.5, top: 8)[0] - highest[1]) < 1e-6)
    }

    @Test func firstStageAgreesAcrossSIMDLevelsForEveryTemplateSizeAndTie() {
        // Sizes around the block of 8 (partial last blocks), and templates holding each
        // cylinder twice at different places: equal similarities, where the lowest index
        // must win at every level or the votes' translations differ.
        let a = Self.randomCylinders(30, words: 6, seed: 7)
        let rows = { (s: [UInt64]) in stride(from: 0, to: s.count, by: 12).flatMap { s[$0..<($0 + 6)] } }
        var generator = SplitMix64(seed: 8)
        func points(_ n: Int) -> [SIMD2<Float>] {
            (0..<n).map { _ in SIMD2(Float(generator.next() % 240) - 120, Float(generator.next() % 240) - 120) }
        }
        let probe = CoarseCylinders(words: 6, rows: rows(a.storage), directions: a.directions, positions: points(30))
        var gallery = CoarseCylinderGallery()
        for (n, seed) in [(1, 10), (3, 11), (8, 12), (9, 13), (15, 14), (16, 15), (17, 16), (41, 17), (64, 18)] {
            let c = Self.randomCylinders(n, words: 6, seed: UInt64(seed))
            gallery.append(CoarseCylinders(words: 6, rows: rows(c.storage), directions: c.directions, positions: points(n)))
        }
        let probeRows = rows(a.storage)
        let twice = (0..<30).flatMap { i -> [UInt64] in let r = Array(probeRows[(i * 6)..<(i * 6 + 6)]); return r + r }
        gallery.append(CoarseCylinders(words: 6, rows: twice, directions: a.directions.flatMap { [$0, $0] }, positions: points(60)))
        var results: [[Float]] = []
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            results.append(gallery.scores(probe, minimumDirectionCosine: 0.7, top: 12, threads: 1))
        }
        #expect(results[0].allSatisfy { $0 > 0 })
        for r in results.dropFirst() {
            #expect(zip(results[0], r).allSatisfy { abs($0 - $1) < 1e-3 }, "\(results)")
        }
    }

    @Test func firstStageRewardsVotesThatAgreeOnOneTranslation() {
        let a = Self.randomCylinders(20, words: 6, seed: 5)
        let rows = stride(from: 0, to: a.storage.count, by: 12).flatMap { a.storage[$0..<($0 + 6)] }
        var generator = SplitMix64(seed: 6)
        let points = (0..<20).map { _ in SIMD2(Float(generator.next() % 200) - 100, Float(generator.next() % 200) - 100) }
        let probe = CoarseCylinders(words: 6, rows: rows, directions: a.directions, positions: points)
        // The same minutiae moved rigidly (every vote agrees on the shift), and the same
        // cylinders at unrelated places (each vote implies its own shift).
        let shifted = CoarseCylinders(words: 6, rows: rows, directions: a.directions,
                                      positions: points.map { $0 + SIMD2(40, -25) })
        let scattered = CoarseCylinders(words: 6, rows: rows, directions: a.directions,
                                        positions: (0..<20).map { _ in SIMD2(Float(generator.next() % 300), Float(generator.next() % 300)) })
        var gallery = CoarseCylinderGallery()
        gallery.append(shifted)
        gallery.append(scattered)
        var results: [[Float]] = []
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            results.append(gallery.scores(probe, minimumDirectionCosine: 0.5, top: 8, threads: 1))
        }
        for r in results {
            #expect(zip(results[0], r).allSatisfy { abs($0 - $1) < 1e-3 }, "\(results)")
            #expect(abs(r[0] - 1) < 1e-3, "\(r)")  // a rigid shift costs nothing
            #expect(r[1] < 0.7, "\(r)")            // the same cylinders scattered lose most of their weight
        }
        // Without positions nothing is checked: both score as the shifted copy.
        var blind = CoarseCylinderGallery()
        blind.append(CoarseCylinders(words: 6, rows: rows, directions: a.directions))
        #expect(abs(blind.scores(CoarseCylinders(words: 6, rows: rows, directions: a.directions),
                                 minimumDirectionCosine: 0.5, top: 8)[0] - 1) < 1e-3)
    }
    @Test func firstStagePruningAndSubsetsKeepTheBestTemplatesExactly() {
        let rows = { (s: [UInt64]) in stride(from: 0, to: s.count, by: 12).flatMap { s[$0..<($0 + 6)] } }
        var generator = SplitMix64(seed: 31)
        func points(_ n: Int) -> [SIMD2<Float>] {
            (0..<n).map { _ in SIMD2(Float(generator.next() % 240) - 120, Float(generator.next() % 240) - 120) }
        }
        let a = Self.randomCylinders(30, words: 6, seed: 32)
        let probePoints = points(30)
        let probe = CoarseCylinders(words: 6, rows: rows(a.storage), directions: a.directions, positions: probePoints)
        var gallery = CoarseCylinderGallery()
        for t in 0..<60 {
            // Every fifth template shares part of the probe, so the scores spread.
            let c = Self.randomCylinders(20 + t % 13, words: 6, seed: UInt64(100 + t))
            var r = rows(c.storage), d = c.directions, p = points(d.count)
            if t % 5 == 0 {
                let shared = 5 + t % 20
                r = Array(rows(a.storage)[0..<(shared * 6)]) + r
                d = Array(a.directions[0..<shared]) + d
                p = Array(probePoints[0..<shared]) + p
            }
            gallery.append(CoarseCylinders(words: 6, rows: r, directions: d, positions: p))
        }
        for level in SIMDLevel.allCases {
            let cap = SIMDLevelCap(level)
            defer { cap.release() }
            for threads in [1, 2] {
                let all = gallery.scores(probe, minimumDirectionCosine: 0.7, top: 12, threads: threads)
                let pruned = gallery.scores(probe, minimumDirectionCosine: 0.7, top: 12, keep: 5, threads: threads)
                let best = Self.topFive(all)
                #expect(Self.topFive(pruned) == best, "\(all) \(pruned)")
                // Other suites may switch the SIMD level between two calls (rcp vs exact
                // division): values agree to 1e-3, as across levels.
                #expect(best.allSatisfy { abs(pruned[$0] - all[$0]) < 1e-3 })
                #expect(zip(all, pruned).allSatisfy { $1 >= $0 - 1e-3 }, "a skipped template gets an upper bound")
                #expect(zip(all, pruned).contains { $1 > $0 + 1e-3 }, "some templates are skipped")
                let among = [7, 0, 45, 10]
                let subset = gallery.scores(probe, minimumDirectionCosine: 0.7, top: 12, among: among, threads: threads)
                #expect(zip(subset, among.map { all[$0] }).allSatisfy { abs($0 - $1) < 1e-3 }, "\(level) \(threads)")
            }
        }
    }

    /// Indices of the five highest values, best first (ties: lower index).
    static func topFive(_ v: [Float]) -> [Int] {
        Array(v.indices.sorted { v[$0] > v[$1] || (v[$0] == v[$1] && $0 < $1) }.prefix(5))
    }
}
