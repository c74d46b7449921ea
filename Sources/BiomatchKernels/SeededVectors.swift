import Foundation

/// Reproducible random unit vectors, for benchmarks and tests: the same seed gives the
/// same vectors on every machine and run.
///
/// Components are Gaussian (Box–Muller over xorshift64*), so the directions are
/// uniform on the sphere, as embeddings of unrelated faces roughly are.
public enum SeededVectors {
    /// `count` unit vectors of `dimension` values.
    public static func unit(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var generator = Generator(seed: seed)
        return (0..<count).map { _ in
            var v = [Float](repeating: 0, count: dimension)
            var norm: Float = 0
            for j in 0..<dimension {
                let g = generator.gaussian()
                v[j] = g
                norm += g * g
            }
            let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<dimension { v[j] *= inverse }
            return v
        }
    }

    /// xorshift64* with a Box–Muller transform.
    struct Generator {
        var state: UInt64
        var spare: Float?

        init(seed: UInt64) { state = (seed &* 0x9E37_79B9_7F4A_7C15) | 1 }

        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }

        /// Uniform in (0, 1].
        mutating func uniform() -> Float { Float((next() >> 40) + 1) / Float(1 << 24) }

        mutating func gaussian() -> Float {
            if let s = spare { spare = nil; return s }
            let radius = (-2 * log(uniform())).squareRoot(), angle = 2 * Float.pi * uniform()
            spare = radius * sin(angle)
            return radius * cos(angle)
        }
    }
}
