import BiomatchKernels
import Testing

@Suite struct TopKTests {
    /// Reference: full sort by score descending, index ascending.
    func reference(_ scores: [Float], k: Int) -> [TopK.Entry] {
        scores.enumerated().filter { !$0.element.isNaN }
            .map { TopK.Entry(index: $0.offset, score: $0.element) }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
            .prefix(k).map { $0 }
    }

    @Test(arguments: [0, 1, 3, 10, 100, 2000])
    func keepsTheBestKInOrder(k: Int) {
        var rng = SystemRandomNumberGenerator()
        // Coarse values so ties are frequent.
        let scores = (0..<1000).map { _ in Float(Int.random(in: 0..<50, using: &rng)) / 50 }
        var top = TopK(k: k)
        for (i, s) in scores.enumerated() { top.offer(index: i, score: s) }
        #expect(top.sorted == reference(scores, k: k))
    }

    @Test func mergingPartialScansEqualsOneScan() {
        var rng = SystemRandomNumberGenerator()
        let scores = (0..<5000).map { _ in Float.random(in: -1...1, using: &rng) }
        var a = TopK(k: 10), b = TopK(k: 10)
        for i in 0..<2500 { a.offer(index: i, score: scores[i]) }
        for i in 2500..<5000 { b.offer(index: i, score: scores[i]) }
        a.merge(b)
        #expect(a.sorted == reference(scores, k: 10))
    }

    @Test func admissionScoreRisesAsTheSelectionFills() {
        var top = TopK(k: 2)
        #expect(top.admissionScore == -.infinity)
        top.offer(index: 0, score: 0.5)
        #expect(top.admissionScore == -.infinity)
        top.offer(index: 1, score: 0.7)
        #expect(top.admissionScore == 0.5)
        top.offer(index: 2, score: 0.9)
        #expect(top.admissionScore == 0.7)
    }

    @Test func nanScoresAreNeverKept() {
        var top = TopK(k: 3)
        top.offer(index: 0, score: .nan)
        top.offer(index: 1, score: 0.1)
        #expect(top.sorted.map(\.index) == [1])
    }
}
