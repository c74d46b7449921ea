import Foundation

/// A 2-D similarity transform (rotation, uniform scale, translation):
///
///     x' = a·x − b·y + tx
///     y' = b·x + a·y + ty
public struct SimilarityTransform: Sendable, Hashable {
    public var a: Double
    public var b: Double
    public var tx: Double
    public var ty: Double

    public init(a: Double, b: Double, tx: Double, ty: Double) {
        self.a = a; self.b = b; self.tx = tx; self.ty = ty
    }

    /// The identity transform.
    public static let identity = SimilarityTransform(a: 1, b: 0, tx: 0, ty: 0)

    /// A pure translation.
    public static func translation(x: Double, y: Double) -> SimilarityTransform {
        SimilarityTransform(a: 1, b: 0, tx: x, ty: y)
    }

    /// The uniform scale factor.
    public var scale: Double { (a * a + b * b).squareRoot() }

    /// The rotation angle in radians.
    public var rotation: Double { atan2(b, a) }

    /// The 2×3 row-major matrix OpenCV's warpAffine takes.
    public var matrix: [Double] { [a, -b, tx, b, a, ty] }

    /// Applies the transform to `p`.
    public func apply(_ p: Point) -> Point {
        Point(x: a * p.x - b * p.y + tx, y: b * p.x + a * p.y + ty)
    }

    /// The least-squares similarity mapping `source` onto `destination` (Umeyama 1991,
    /// closed form for 2-D), or `nil` when fewer than two distinct points are given.
    public static func estimate(from source: [Point], to destination: [Point]) -> SimilarityTransform? {
        guard source.count == destination.count, source.count >= 2 else { return nil }
        let n = Double(source.count)
        let sx = source.map(\.x).reduce(0, +) / n, sy = source.map(\.y).reduce(0, +) / n
        let dx = destination.map(\.x).reduce(0, +) / n, dy = destination.map(\.y).reduce(0, +) / n
        var dot = 0.0, cross = 0.0, variance = 0.0
        for (p, q) in zip(source, destination) {
            let px = p.x - sx, py = p.y - sy, qx = q.x - dx, qy = q.y - dy
            dot += px * qx + py * qy
            cross += px * qy - py * qx
            variance += px * px + py * py
        }
        guard variance > 1e-12, variance.isFinite else { return nil }
        let a = dot / variance, b = cross / variance
        return SimilarityTransform(a: a, b: b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy))
    }
}
