import BiomatchKernels
import Foundation

/// Minutia Cylinder-Code parameters (Cappelli, Ferrara, Maltoni, "Minutia Cylinder-Code:
/// a new representation and matching technique for fingerprint recognition", IEEE TPAMI
/// 32(12), 2010), in 500-dpi pixels. The defaults are the paper's.
struct CylinderGeometry: Sendable {
    var radius: Double = 70
    var spatialCells = 16
    var directionCells = 6
    var sigmaS: Double = 28.0 / 3.0
    var sigmaD: Double = 2 * .pi / 9
    var muPsi: Double = 0.01
    var hullOffset: Double = 50
    var minValidFraction = 0.75
    var minNeighbours = 2

    var cellsPerLayer: Int { spatialCells * spatialCells }

    /// Spatial cells whose centres lie within the cylinder's radius.
    var circleCells: Int {
        let deltaS = 2 * radius / Double(spatialCells)
        let half = Double(spatialCells + 1) / 2
        var n = 0
        for i in 1...spatialCells {
            for j in 1...spatialCells {
                let u = (Double(i) - half) * deltaS, v = (Double(j) - half) * deltaS
                if u * u + v * v <= radius * radius { n += 1 }
            }
        }
        return n
    }
    var bits: Int { cellsPerLayer * directionCells }
    var words: Int { (bits + 63) / 64 }
}

/// A minutia in matcher coordinates: 500-dpi pixels, direction in radians.
struct MatchPoint: Sendable, Hashable {
    var x: Double
    var y: Double
    var direction: Double
}

/// Builds cylinders for a template's minutiae.
enum CylinderBuilder {
    /// Angle difference normalised to [−π, π).
    static func angleDifference(_ a: Double, _ b: Double) -> Double {
        var d = a - b
        while d < -.pi { d += 2 * .pi }
        while d >= .pi { d -= 2 * .pi }
        return d
    }

    /// Cylinders of every minutia. Returns, per minutia, its cell bits and validity
    /// (`words` each) or nil when the cylinder is invalid (too little area or too few
    /// neighbours, as in the paper).
    static func cylinders(of points: [MatchPoint], hull: ConvexHull, geometry g: CylinderGeometry)
        -> [(bits: [UInt64], mask: [UInt64])?] {
        let deltaS = 2 * g.radius / Double(g.spatialCells)
        let deltaD = 2 * Double.pi / Double(g.directionCells)
        let reach = g.radius + 3 * g.sigmaS
        let gaussNorm = 1 / (g.sigmaS * (2 * Double.pi).squareRoot())
        let half = Double(g.spatialCells + 1) / 2
        let circleCells = g.circleCells
        var result: [(bits: [UInt64], mask: [UInt64])?] = []
        result.reserveCapacity(points.count)
        for m in points {
            // Neighbours and their directional contributions per direction cell.
            var neighbours: [(x: Double, y: Double, cd: [Double])] = []
            for t in points where t != m {
                let dx = t.x - m.x, dy = t.y - m.y
                guard dx * dx + dy * dy <= reach * reach else { continue }
                let dTheta = angleDifference(m.direction, t.direction)
                var cd: [Double] = []
                for k in 1...g.directionCells {
                    let centre = -Double.pi + (Double(k) - 0.5) * deltaD
                    let alpha = angleDifference(centre, dTheta)
                    let s = g.sigmaD * 2.0.squareRoot()
                    cd.append(0.5 * (erf((alpha + deltaD / 2) / s) - erf((alpha - deltaD / 2) / s)))
                }
                neighbours.append((t.x, t.y, cd))
            }
            guard neighbours.count >= g.minNeighbours else { result.append(nil); continue }
            var bits = [UInt64](repeating: 0, count: g.words)
            var mask = [UInt64](repeating: 0, count: g.words)
            let c = cos(m.direction), s = sin(m.direction)
            var valid = 0
            for i in 1...g.spatialCells {
                for j in 1...g.spatialCells {
                    let u = (Double(i) - half) * deltaS, v = (Double(j) - half) * deltaS
                    guard u * u + v * v <= g.radius * g.radius else { continue }
                    let px = m.x + c * u - s * v, py = m.y + s * u + c * v  // u along the direction, v across it
                    guard hull.contains(x: px, y: py, margin: g.hullOffset) else { continue }
                    valid += 1
                    let cell = (i - 1) * g.spatialCells + (j - 1)
                    var sums = [Double](repeating: 0, count: g.directionCells)
                    for n in neighbours {
                        let dx = n.x - px, dy = n.y - py
                        let d2 = dx * dx + dy * dy
                        guard d2 <= 9 * g.sigmaS * g.sigmaS else { continue }
                        let gs = gaussNorm * exp(-d2 / (2 * g.sigmaS * g.sigmaS))
                        for k in 0..<g.directionCells { sums[k] += gs * n.cd[k] }
                    }
                    for k in 0..<g.directionCells {
                        let bit = k * g.cellsPerLayer + cell
                        mask[bit >> 6] |= 1 << UInt64(bit & 63)
                        if sums[k] > g.muPsi { bits[bit >> 6] |= 1 << UInt64(bit & 63) }
                    }
                }
            }
            result.append(Double(valid) >= g.minValidFraction * Double(circleCells) ? (bits, mask) : nil)
        }
        return result
    }
}

/// The convex hull of a template's minutiae, for the cylinders' valid-cell test.
struct ConvexHull: Sendable {
    /// Counter-clockwise (in y-down image axes: clockwise on screen) vertices.
    let vertices: [(x: Double, y: Double)]

    init(points: [MatchPoint]) {
        let sorted = points.map { (x: $0.x, y: $0.y) }.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        guard sorted.count >= 3 else { vertices = sorted; return }
        func cross(_ o: (x: Double, y: Double), _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [(x: Double, y: Double)] = []
        for p in sorted {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        var upper: [(x: Double, y: Double)] = []
        for p in sorted.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        vertices = Array(lower.dropLast()) + Array(upper.dropLast())
    }

    /// Whether (x, y) lies inside the hull or within `margin` of it.
    func contains(x: Double, y: Double, margin: Double) -> Bool {
        guard vertices.count >= 3 else {
            return vertices.contains { ($0.x - x) * ($0.x - x) + ($0.y - y) * ($0.y - y) <= margin * margin }
        }
        var inside = true
        var nearest = Double.infinity
        for i in vertices.indices {
            let a = vertices[i], b = vertices[(i + 1) % vertices.count]
            let ex = b.x - a.x, ey = b.y - a.y
            if ex * (y - a.y) - ey * (x - a.x) < 0 { inside = false }
            let len2 = ex * ex + ey * ey
            let t = len2 > 0 ? max(0, min(1, ((x - a.x) * ex + (y - a.y) * ey) / len2)) : 0
            let dx = a.x + t * ex - x, dy = a.y + t * ey - y
            nearest = min(nearest, dx * dx + dy * dy)
        }
        return inside || nearest <= margin * margin
    }
}
