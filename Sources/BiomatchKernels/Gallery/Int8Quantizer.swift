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
