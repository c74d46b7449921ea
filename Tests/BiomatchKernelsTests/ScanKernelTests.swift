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
        let best = SIMDLevel.current
        defer { SIMDLevel.limit(to: .avx512) }
        SIMDLevel.limit(to: .portable)
        let reference = try gallery.search(batch: queries, k: 20, parameters: .init(rerankDepth: 200))
        for level in SIMDLevel.allCases where level <= best {
            SIMDLevel.limit(to: level)
            let single = try queries.map { try gallery.search($0, k: 20, parameters: .init(rerankDepth: 200)) }
            let batch = try gallery.search(batch: queries, k: 20, parameters: .init(rerankDepth: 200))
            for (r, (s, b)) in zip(reference, zip(single, batch)) {
                #expect(r.map(\.id) == s.map(\.id), "\(mode) \(level) single")
                #expect(r.map(\.id) == b.map(\.id), "\(mode) \(level) batch")
                for (x, y) in zip(r, s) { #expect(abs(x.score - y.score) < 1e-4) }
            }
        }
    }

    @Test func memoryBandwidthIsMeasurable() {
        #expect(MemoryBandwidth.measure(bytes: 8 << 20, repeats: 2) > 1e8)
    }
}
