/// Per-dimension symmetric 8-bit scalar quantisation for inner-product search.
///
/// A component xⱼ is stored as cⱼ = round(127·xⱼ/sⱼ) clamped to ±127 (kept as the
/// unsigned byte cⱼ + 128, the form VNNI's `vpdpbusd` multiplies). A query q is scaled
/// to yⱼ = qⱼ·sⱼ and quantised with its own step, so ⟨q, x⟩ ≈ step/127 · Σ ŷⱼ·cⱼ.
/// The estimate only ranks candidates; the gallery re-scores the best in float.
public struct Int8Quantizer: Sendable, Hashable {
    /// Per-dimension ranges sⱼ.
    public let scales: [Float]

    /// Ranges from a training sample: the largest |xⱼ| seen, floored at 3.5/√d so a
    /// small sample cannot make the range too narrow.
    public init(training sample: [[Float]], dimension: Int) {
        let floor = 3.5 / Float(dimension).squareRoot()
        var scales = [Float](repeating: floor, count: dimension)
        for v in sample where v.count == dimension {
            for j in 0..<dimension where abs(v[j]) > scales[j] && v[j].isFinite { scales[j] = abs(v[j]) }
        }
        self.scales = scales
    }

    /// Explicit ranges (a snapshot file's).
    init(scales: [Float]) { self.scales = scales }

    /// The untrained default for unit vectors: every range 4/√d (about 4.5 standard
    /// deviations of an isotropic unit vector's component).
    public init(dimension: Int) {
        scales = [Float](repeating: 4 / Float(dimension).squareRoot(), count: dimension)
    }

    /// Writes the codes of `v` to `out` (`scales.count` bytes).
    func encode(_ v: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<UInt8>) {
        for j in 0..<scales.count {
            let c = (127 * v[j] / scales[j]).rounded()
            out[j] = UInt8(Int(max(-127, min(127, c.isFinite ? c : 0))) + 128)
        }
    }

    /// A query prepared for the int8 kernel.
    struct Query {
        var values: [Int8]
        /// Σ ŷⱼ, for removing the +128 offset of the stored codes.
        var sum: Int32
        /// Multiplier from the kernel's integer to the score estimate.
        var step: Float
    }

    func prepare(_ q: [Float]) -> Query {
        let y = zip(q, scales).map { $0 * $1 }
        let peak = y.reduce(Float(0)) { max($0, abs($1)) }
        let step = peak > 0 ? peak / 127 : 1
        let values = y.map { Int8(max(-127, min(127, ($0 / step).rounded()))) }
        let sum = values.reduce(Int32(0)) { $0 + Int32($1) }
        return Query(values: values, sum: sum, step: step / 127)
    }
}

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
