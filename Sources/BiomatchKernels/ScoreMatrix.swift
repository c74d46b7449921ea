internal import CBLAS

/// All-against-all inner products of two sets of vectors, computed by one CBLAS
/// `sgemm` (OpenBLAS when installed): `scores[i][j] = ⟨rows[i], columns[j]⟩`.
///
/// This is how an evaluation scores every pair of a data set at once: for n templates
/// of dimension d it costs one n×d×n matrix product instead of n² dot products.
public struct ScoreMatrix: Sendable {
    /// Number of row vectors.
    public let rowCount: Int
    /// Number of column vectors.
    public let columnCount: Int
    /// Row-major scores, `rowCount × columnCount`.
    public let scores: [Float]

    /// Scores every vector of `rows` against every vector of `columns`.
    ///
    /// - Parameters:
    ///   - rows: vectors, all of length `dimension`.
    ///   - columns: vectors, all of length `dimension`.
    ///   - dimension: the common length.
    /// - Returns: `nil` when a vector's length differs from `dimension`.
    public init?(rows: [[Float]], columns: [[Float]], dimension: Int) {
        guard dimension > 0,
              rows.allSatisfy({ $0.count == dimension }),
              columns.allSatisfy({ $0.count == dimension })
        else { return nil }
        let a = rows.flatMap { $0 }
        let b = columns.flatMap { $0 }
        let m = rows.count, n = columns.count
        var c = [Float](repeating: 0, count: m * n)
        if m > 0 && n > 0 {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        // C (m×n) = A (m×d) · Bᵀ (d×n), all row-major.
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(m), Int32(n), Int32(dimension),
                            1, pa.baseAddress, Int32(dimension),
                            pb.baseAddress, Int32(dimension),
                            0, pc.baseAddress, Int32(n))
                    }
                }
            }
        }
        rowCount = m
        columnCount = n
        scores = c
    }

    /// The score of row `row` against column `column`.
    public subscript(row: Int, column: Int) -> Float {
        scores[row * columnCount + column]
    }
}
