import BiomatchKernels
import Testing

@Suite struct ScoreMatrixTests {
    @Test func sgemmMatchesPairwiseDotProducts() throws {
        var rng = SystemRandomNumberGenerator()
        let d = 128
        let rows = (0..<7).map { _ in (0..<d).map { _ in Float.random(in: -1...1, using: &rng) } }
        let columns = (0..<5).map { _ in (0..<d).map { _ in Float.random(in: -1...1, using: &rng) } }
        let m = try #require(ScoreMatrix(rows: rows, columns: columns, dimension: d))
        #expect(m.rowCount == 7 && m.columnCount == 5)
        for i in 0..<7 {
            for j in 0..<5 {
                #expect(abs(m[i, j] - VectorSimilarity.dot(rows[i], columns[j])) < 1e-3)
            }
        }
    }

    @Test func rejectsMismatchedDimensions() {
        #expect(ScoreMatrix(rows: [[1, 2]], columns: [[1, 2, 3]], dimension: 2) == nil)
        #expect(ScoreMatrix(rows: [], columns: [], dimension: 0) == nil)
    }

    @Test func emptySetsGiveAnEmptyMatrix() throws {
        let m = try #require(ScoreMatrix(rows: [], columns: [[1, 0]], dimension: 2))
        #expect(m.scores.isEmpty)
    }
}
