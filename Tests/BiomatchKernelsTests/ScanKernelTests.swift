@testable import BiomatchKernels
import Testing

/// Every SIMD level must give the portable kernels' results (integers exactly, floats
/// to rounding), through the gallery that drives them.
@Suite(.serialized) struct ScanKernelTests {
    @Test(arguments: [GalleryMode.float32, .int8, .binary])
    func everyLevelAgreesWithPortable(mode: GalleryMode) throws {
        let vectors = SeededVectors.unit(count: 3000, dimension: 128, seed: 1)
        let queries = SeededVectors.unit(count: 7, dimension: 128, seed: 2)
        let gallery = VectorGallery(dimension: 128, mode: mode)
        try gallery.add(vectors, ids: (0..<3000).map(UInt64.init))
        let cap = SIMDLevelCap(.portable)
        defer { cap.release() }
        let best = SIMDLevel.limit(to: .avx512)
        SIMDLevel.limit(to: .portable)
        let reference = try gallery.search(batch: queries, k: 20, parameters: .init(rerankDepth: 200))
        var levelsRun: [SIMDLevel] = []
        for level in SIMDLevel.allCases where level <= best {
            levelsRun.append(SIMDLevel.limit(to: level))
            let single = try queries.map { try gallery.search($0, k: 20, parameters: .init(rerankDepth: 200)) }
            let batch = try gallery.search(batch: queries, k: 20, parameters: .init(rerankDepth: 200))
            for (r, (s, b)) in zip(reference, zip(single, batch)) {
                #expect(r.map(\.id) == s.map(\.id), "\(mode) \(level) single")
                #expect(r.map(\.id) == b.map(\.id), "\(mode) \(level) batch")
                for (x, y) in zip(r, s) { #expect(abs(x.score - y.score) < 1e-4) }
            }
        }
        #expect(levelsRun == SIMDLevel.allCases.filter { $0 <= best }, "levels run: \(levelsRun)")
        #if arch(x86_64)
        #expect(best >= .avx2, "AVX2 is the floor the kernels promise; this CPU gave \(best)")
        #endif
    }

    /// The bandwidth probe reports a rate; how fast is the benchmark's business, never a test's.
    @Test func memoryBandwidthIsMeasurable() {
        let rate = MemoryBandwidth.measure(bytes: 8 << 20, repeats: 2)
        #expect(rate.isFinite && rate > 0)
    }
}
