/// A depth image: 16-bit distances in millimetres, 0 where the sensor has no reading.
public struct DepthMap: Sendable, Hashable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Row-major distances, millimetres.
    public let millimetres: [UInt16]

    /// A depth map; the sample count must be `width × height`.
    ///
    /// - Throws: ``LivenessError`` when the sample count is not `width × height`.
    public init(width: Int, height: Int, millimetres: [UInt16]) throws {
        guard width > 0, height > 0, millimetres.count == width * height else {
            throw LivenessError("a \(width)×\(height) depth map needs \(max(0, width * height)) samples, not \(millimetres.count)")
        }
        self.width = width
        self.height = height
        self.millimetres = millimetres
    }
}

/// How face-shaped the depth of a face region is.
public struct DepthAssessment: Sendable, Hashable, Codable {
    /// Share of the region with a depth reading.
    public var coverage: Double
    /// RMS distance (mm) of the region from the best-fitting smooth quadric surface: the
    /// relief a plane, a tilted plane or a bent print lacks and a nose and eye sockets give.
    public var reliefRMS: Double
    /// How far (mm) the nearest 0.5 % of the region stands in front of that surface (the nose).
    public var protrusion: Double
    /// The verdict: enough coverage, relief and protrusion.
    public var isFaceShaped: Bool
    /// A 0–1 score for fusion: relief and protrusion over twice their thresholds, the smaller
    /// of the two, saturating at 1 (so 0.5 is where the weaker cue meets its threshold).
    public var score: Double
}

/// Scores whether a depth region is a real face: a flat or a curved print fits a smooth
/// quadric surface z = a·x² + b·y² + c·x·y + d·x + e·y + f almost exactly; a face does not.
public enum DepthFaceCheck {
    /// Least RMS relief (mm) of a live face.
    public static let minimumRelief = 2.0
    /// Least protrusion (mm) of the nose in front of the fitted surface (99.5th percentile,
    /// so single noisy samples do not count).
    public static let minimumProtrusion = 8.0

    /// Assesses the rectangle (`x`, `y`, `width`, `height`) of `depth` (the face box).
    ///
    /// - Throws: ``LivenessError`` when the rectangle lies outside the map or is too small.
    public static func assess(_ depth: DepthMap, x: Int, y: Int, width: Int, height: Int) throws -> DepthAssessment {
        guard x >= 0, y >= 0, width >= 8, height >= 8, x + width <= depth.width, y + height <= depth.height else {
            throw LivenessError("the face box \(x),\(y) \(width)×\(height) is not inside the \(depth.width)×\(depth.height) depth map, or smaller than 8×8")
        }
        // Normal equations of the quadric fit over the valid samples (coordinates scaled to
        // about ±1 for conditioning).
        var ata = [Double](repeating: 0, count: 36), atb = [Double](repeating: 0, count: 6)
        var samples: [(Double, Double, Double)] = []
        samples.reserveCapacity(width * height)
        let cx = Double(x) + Double(width) / 2, cy = Double(y) + Double(height) / 2, s = Double(max(width, height)) / 2
        for row in y..<(y + height) {
            for col in x..<(x + width) {
                let z = depth.millimetres[row * depth.width + col]
                guard z > 0 else { continue }
                let u = (Double(col) - cx) / s, v = (Double(row) - cy) / s
                samples.append((u, v, Double(z)))
                let f = [u * u, v * v, u * v, u, v, 1]
                for i in 0..<6 {
                    atb[i] += f[i] * Double(z)
                    for j in 0..<6 { ata[i * 6 + j] += f[i] * f[j] }
                }
            }
        }
        let coverage = Double(samples.count) / Double(width * height)
        guard samples.count >= 32, let c = solve6(ata, atb) else {
            return DepthAssessment(coverage: coverage, reliefRMS: 0, protrusion: 0, isFaceShaped: false, score: 0)
        }
        var sum = 0.0
        var nearer: [Double] = []
        nearer.reserveCapacity(samples.count)
        for (u, v, z) in samples {
            let fitted = c[0] * u * u + c[1] * v * v + c[2] * u * v + c[3] * u + c[4] * v + c[5]
            let r = z - fitted
            sum += r * r
            nearer.append(-r)  // nearer than the surface: a smaller distance
        }
        nearer.sort()
        let protrusion = max(0, nearer[min(nearer.count - 1, Int(Double(nearer.count) * 0.995))])
        let rms = (sum / Double(samples.count)).squareRoot()
        let faceShaped = coverage >= 0.6 && rms >= minimumRelief && protrusion >= minimumProtrusion
        return DepthAssessment(coverage: coverage, reliefRMS: rms, protrusion: protrusion, isFaceShaped: faceShaped,
                               score: coverage >= 0.6 ? min(1, rms / (2 * minimumRelief), protrusion / (2 * minimumProtrusion)) : 0)
    }

    /// Solves a 6×6 system by Gaussian elimination with partial pivoting.
    static func solve6(_ a: [Double], _ b: [Double]) -> [Double]? {
        var m = (0..<6).map { i in Array(a[(i * 6)..<(i * 6 + 6)]) + [b[i]] }
        for col in 0..<6 {
            guard let pivot = (col..<6).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[pivot][col]) > 1e-12 else { return nil }
            m.swapAt(col, pivot)
            for r in 0..<6 where r != col {
                let f = m[r][col] / m[col][col]
                if f != 0 { for k in col..<7 { m[r][k] -= f * m[col][k] } }
            }
        }
        return (0..<6).map { m[$0][6] / m[$0][$0] }
    }
}
