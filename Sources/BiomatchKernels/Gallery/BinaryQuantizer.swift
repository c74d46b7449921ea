/// Sign-bit binary codes: bit j is set when xⱼ exceeds threshold tⱼ (0 by default, or
/// trained per dimension as the sample median). Hamming distance ranks candidates
/// for exact re-ranking.
public struct BinaryQuantizer: Sendable, Hashable {
    /// Per-dimension thresholds tⱼ.
    public let thresholds: [Float]

    public init(dimension: Int) { thresholds = [Float](repeating: 0, count: dimension) }

    /// Explicit thresholds (a snapshot file's).
    init(thresholds: [Float]) { self.thresholds = thresholds }

    /// Median thresholds from a sample (the "learned threshold" codes).
    public init(training sample: [[Float]], dimension: Int) {
        let rows = sample.filter { $0.count == dimension }
        thresholds = (0..<dimension).map { j in
            let column = rows.map { $0[j] }.sorted()
            return column.isEmpty ? 0 : column[column.count / 2]
        }
    }

    /// Number of 64-bit words per code.
    var words: Int { (thresholds.count + 63) / 64 }

    func encode(_ v: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<UInt64>) {
        for w in 0..<words { out[w] = 0 }
        for j in 0..<thresholds.count where v[j] > thresholds[j] {
            out[j / 64] |= 1 << UInt64(j % 64)
        }
    }

    func encode(_ v: [Float]) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: words)
        v.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                if let base = o.baseAddress { encode(p, into: base) }
            }
        }
        return out
    }
}
