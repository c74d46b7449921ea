/// Scoring kernels over fixed-length float vectors (face embeddings).
///
/// The functions are pure and thread-safe. The loops work in 16-lane SIMD chunks so
/// the compiler emits packed multiply–adds on any target without platform intrinsics.
public enum VectorSimilarity {
    /// The inner product `Σ aᵢ·bᵢ`.
    ///
    /// - Precondition: `a.count == b.count`.
    /// - Complexity: O(n).
    @inlinable
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors of different lengths")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in _dot(pa, pb) }
        }
    }

    /// The cosine of the angle between `a` and `b`, in [-1, 1]; 0 when either is zero.
    ///
    /// - Precondition: `a.count == b.count`.
    @inlinable
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let denominator = (dot(a, a) * dot(b, b)).squareRoot()
        guard denominator > 0, denominator.isFinite else { return 0 }
        return max(-1, min(1, dot(a, b) / denominator))
    }

    /// `v / ‖v‖₂`, or `nil` when `v` is zero or not finite.
    @inlinable
    public static func l2Normalized(_ v: [Float]) -> [Float]? {
        let norm = dot(v, v).squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        let inverse = 1 / norm
        return v.map { $0 * inverse }
    }

    @usableFromInline
    static func _dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let n = a.count
        var accumulator = SIMD16<Float>()
        var i = 0
        if let pa = a.baseAddress, let pb = b.baseAddress {
            let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
            let stride = MemoryLayout<Float>.stride
            while i + 16 <= n {
                // Unaligned vector loads: building SIMD16 from a slice is element by element.
                let va = ra.loadUnaligned(fromByteOffset: i * stride, as: SIMD16<Float>.self)
                let vb = rb.loadUnaligned(fromByteOffset: i * stride, as: SIMD16<Float>.self)
                accumulator.addProduct(va, vb)
                i += 16
            }
        }
        var sum = accumulator.sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
