@testable import BiomatchKernels
import Testing

@Suite struct VectorGalleryTests {
    func randomUnitVectors(_ n: Int, _ d: Int, seed: UInt64 = 1) -> [[Float]] {
        SeededVectors.unit(count: n, dimension: d, seed: seed)
    }

    /// Exact top-k by brute force, ties by lower index.
    func bruteForce(_ q: [Float], _ vectors: [[Float]], ids: [UInt64], k: Int) -> [UInt64] {
        vectors.enumerated().map { ($0.offset, VectorSimilarity.dot(q, $0.element)) }
            .sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(k).map { ids[$0.0] }
    }

    @Test(arguments: [GalleryMode.float32, .int8, .binary])
    func findsTheExactTopKOnUnitVectors(mode: GalleryMode) throws {
        let vectors = randomUnitVectors(5000, 128), ids = (0..<5000).map { UInt64($0) * 7 + 1 }
        // Segments of 1000 rows, so searches cross segment boundaries.
        let gallery = VectorGallery(dimension: 128, mode: mode, segmentCapacity: 1000)
        try gallery.add(vectors, ids: ids)
        #expect(gallery.count == 5000)
        var hits = 0, total = 0
        for q in randomUnitVectors(20, 128, seed: 2) {
            let got = try gallery.search(q, k: 10)
            let want = bruteForce(q, vectors, ids: ids, k: 10)
            hits += Set(got.map(\.id)).intersection(want).count
            total += 10
            // Final scores are exact inner products in every mode (floats are kept).
            for c in got {
                let i = Int((c.id - 1) / 7)
                #expect(abs(c.score - VectorSimilarity.dot(q, vectors[i])) < 1e-4)
            }
            #expect(got.map(\.score) == got.map(\.score).sorted(by: >))
        }
        let recall = Double(hits) / Double(total)
        #expect(recall >= (mode == .float32 ? 1.0 : 0.97), "recall@10 \(recall)")
    }

    @Test func aNearDuplicateIsFoundFirstInEveryMode() throws {
        let vectors = randomUnitVectors(2000, 128)
        for mode in GalleryMode.allCases {
            let gallery = VectorGallery(dimension: 128, mode: mode)
            try gallery.add(vectors, ids: (0..<2000).map(UInt64.init))
            for i in stride(from: 0, to: 2000, by: 97) {
                var rng = SystemRandomNumberGenerator()
                let noisy = VectorSimilarity.l2Normalized(vectors[i].map { $0 + Float.random(in: -0.02...0.02, using: &rng) }) ?? vectors[i]
                #expect(try gallery.search(noisy, k: 1).first?.id == UInt64(i), "\(mode)")
            }
        }
    }

    @Test func removeReplaceAndCompact() throws {
        let vectors = randomUnitVectors(300, 64)
        let gallery = VectorGallery(dimension: 64, mode: .int8, segmentCapacity: 128)
        try gallery.add(vectors, ids: (0..<300).map(UInt64.init))
        #expect(gallery.remove(ids: [5, 6, 999]) == 2)
        #expect(gallery.count == 298)
        #expect(try gallery.search(vectors[5], k: 1).first?.id != 5)
        // Re-adding an id replaces its template.
        try gallery.add([vectors[7]], ids: [5])
        #expect(gallery.count == 299)
        #expect(try gallery.search(vectors[7], k: 2).map(\.id).sorted() == [5, 7])
        gallery.compact()
        #expect(gallery.count == 299)
        #expect(try gallery.search(vectors[100], k: 1).first?.id == 100)
        gallery.removeAll()
        #expect(gallery.count == 0)
        #expect(try gallery.search(vectors[0], k: 5).isEmpty)
    }

    @Test func badInputIsRefusedAndAddsNothing() throws {
        let gallery = VectorGallery(dimension: 4, mode: .float32)
        #expect(throws: GalleryError.self) { try gallery.add([[1, 0, 0, 0], [1, 0]], ids: [1, 2]) }
        #expect(throws: GalleryError.self) { try gallery.add([[1, 0, .nan, 0]], ids: [1]) }
        #expect(throws: GalleryError.self) { try gallery.add([[1, 0, 0, 0]], ids: [1, 2]) }
        #expect(gallery.count == 0)
        #expect(throws: GalleryError.self) { try gallery.search([1, 0], k: 1) }
        #expect(try gallery.search([1, 0, 0, 0], k: 0).isEmpty)
    }

    @Test func memoryPerTemplateIsReported() {
        #expect(VectorGallery(dimension: 128, mode: .float32).memoryPerTemplate.total == 520)
        #expect(VectorGallery(dimension: 128, mode: .int8, keepFloatVectors: false).memoryPerTemplate.total == 136)
        #expect(VectorGallery(dimension: 128, mode: .binary, keepFloatVectors: false).memoryPerTemplate.total == 152)  // bits + int8 codes + id
        #expect(VectorGallery(dimension: 128, mode: .int8).memoryPerTemplate.total == 648)
    }

    @Test func withoutFloatVectorsScoresAreEstimates() throws {
        let vectors = randomUnitVectors(1000, 128)
        let gallery = VectorGallery(dimension: 128, mode: .int8, keepFloatVectors: false)
        try gallery.add(vectors, ids: (0..<1000).map(UInt64.init))
        let top = try #require(try gallery.search(vectors[3], k: 1).first)
        #expect(top.id == 3)
        #expect(abs(top.score - 1) < 0.05)
    }
}
