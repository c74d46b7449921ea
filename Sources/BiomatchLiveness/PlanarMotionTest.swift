/// Tells a three-dimensional head from a flat picture of one by how its landmarks move.
///
/// The eyes and mouth corners of a face lie close to one plane; the nose tip stands about
/// a third of the eye distance in front of it. Any motion of a *flat* picture (a print or a
/// screen, tilted, turned, bent only slightly) maps all five landmarks by one homography,
/// so the homography fitted to the four planar points predicts where the nose goes. A real
/// head turning or nodding moves the nose off that prediction by parallax.
public enum PlanarMotionTest {
    /// The largest parallax of the nose tip over `frames` against the first frame: the
    /// distance between where the nose is and where the homography of the four other
    /// landmarks puts it, over the eye distance. About 0 for a flat picture.
    ///
    /// - Throws: ``LivenessError`` for no frames, a frame without five landmarks, or degenerate landmarks.
    public static func noseParallax(_ frames: [LandmarkFrame]) throws -> Double {
        guard let first = frames.first else { throw LivenessError("no frames") }
        guard frames.allSatisfy({ $0.points.count == 5 }) else { throw LivenessError("every frame needs five landmarks") }
        let planar = [0, 1, 3, 4]
        var worst = 0.0
        for frame in frames.dropFirst() {
            guard let h = Homography(from: planar.map { first.points[$0] }, to: planar.map { frame.points[$0] }) else {
                throw LivenessError("the landmarks of a frame are degenerate (collinear)")
            }
            let predicted = h.apply(first.points[2])
            let dx = predicted.x - frame.points[2].x, dy = predicted.y - frame.points[2].y
            worst = max(worst, (dx * dx + dy * dy).squareRoot() / max(frame.interOcular, 1e-9))
        }
        return worst
    }
}

/// A plane-to-plane projective map, fitted exactly to four point pairs.
struct Homography {
    let m: [Double]  // row-major 3×3, m[8] = 1

    init?(from a: [ImagePoint], to b: [ImagePoint]) {
        guard a.count == 4, b.count == 4 else { return nil }
        // Eight equations in h0…h7 (h8 = 1), solved by Gaussian elimination with pivoting.
        var rows: [[Double]] = []
        for (p, q) in zip(a, b) {
            rows.append([p.x, p.y, 1, 0, 0, 0, -q.x * p.x, -q.x * p.y, q.x])
            rows.append([0, 0, 0, p.x, p.y, 1, -q.y * p.x, -q.y * p.y, q.y])
        }
        for col in 0..<8 {
            guard let pivot = (col..<8).max(by: { abs(rows[$0][col]) < abs(rows[$1][col]) }), abs(rows[pivot][col]) > 1e-12 else { return nil }
            rows.swapAt(col, pivot)
            for r in 0..<8 where r != col {
                let f = rows[r][col] / rows[col][col]
                if f != 0 { for c in col..<9 { rows[r][c] -= f * rows[col][c] } }
            }
        }
        m = (0..<8).map { rows[$0][8] / rows[$0][$0] } + [1]
    }

    func apply(_ p: ImagePoint) -> ImagePoint {
        let w = m[6] * p.x + m[7] * p.y + m[8]
        return ImagePoint(x: (m[0] * p.x + m[1] * p.y + m[2]) / w, y: (m[3] * p.x + m[4] * p.y + m[5]) / w)
    }
}
