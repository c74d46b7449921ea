import BiomatchKernels
import Testing

/// Adds, removes and searches from many tasks at once. Run under Thread Sanitizer by
/// `Scripts/test.sh` (the `tsan` step) as well as in the normal run.
@Suite struct GalleryConcurrencyTests {
    @Test(arguments: [GalleryMode.float32, .int8, .binary])
    func concurrentWritersAndReadersSeeConsistentSnapshots(mode: GalleryMode) async throws {
        let d = 64
        func vector(_ seed: Int) -> [Float] {
            var v = (0..<d).map { Float(sin(Double(seed * 31 + $0 * 7))) }
            v[seed % d] += 3  // each vector points mostly along one axis
            return VectorSimilarity.l2Normalized(v) ?? v
        }
        let gallery = VectorGallery(dimension: d, mode: mode, segmentCapacity: 256)
        try gallery.add((0..<500).map(vector), ids: (0..<500).map(UInt64.init))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<3 {
                group.addTask {
                    for round in 0..<40 {
                        let base = 1000 + writer * 10_000 + round * 10
                        try gallery.add((base..<base + 10).map(vector), ids: (base..<base + 10).map(UInt64.init))
                        gallery.remove(ids: (base..<base + 5).map(UInt64.init))
                    }
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for i in 0..<60 {
                        let hits = try gallery.search(vector(i % 500), k: 5)
                        // The original 500 are never removed: the query's own vector is found.
                        #expect(hits.first?.id == UInt64(i % 500))
                        #expect(hits.count == 5)
                        _ = try gallery.search(batch: [vector(i), vector(i + 1)], k: 3)
                    }
                }
            }
            group.addTask { for _ in 0..<5 { gallery.compact() } }
            try await group.waitForAll()
        }
        #expect(gallery.count == 500 + 3 * 40 * 5)
    }
}
import Foundation
