import BiomatchKernels
import Testing

@Suite struct VectorSimilarityTests {
    /// Reference written plainly, in Double, to check the SIMD kernel against.
    func referenceDot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test(arguments: [0, 1, 15, 16, 17, 31, 128, 1000])
    func dotMatchesReference(length: Int) {
        var rng = SystemRandomNumberGenerator()
        let a = (0..<length).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<length).map { _ in Float.random(in: -1...1, using: &rng) }
        let got = Double(VectorSimilarity.dot(a, b))
        #expect(abs(got - referenceDot(a, b)) < 1e-4 * Double(max(1, length)))
    }

    @Test func cosineOfParallelOppositeAndOrthogonalVectors() {
        #expect(abs(VectorSimilarity.cosine([1, 2, 3], [2, 4, 6]) - 1) < 1e-6)
        #expect(abs(VectorSimilarity.cosine([1, 2, 3], [-1, -2, -3]) + 1) < 1e-6)
        #expect(abs(VectorSimilarity.cosine([1, 0], [0, 5])) < 1e-6)
        #expect(VectorSimilarity.cosine([0, 0], [1, 1]) == 0)
    }

    @Test func normalisationGivesUnitLengthAndRejectsZero() throws {
        let unit = try #require(VectorSimilarity.l2Normalized([3, 4]))
        #expect(abs(unit[0] - 0.6) < 1e-6 && abs(unit[1] - 0.8) < 1e-6)
        #expect(VectorSimilarity.l2Normalized([0, 0, 0]) == nil)
        #expect(VectorSimilarity.l2Normalized([.infinity, 1]) == nil)
    }
}
