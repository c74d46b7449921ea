@testable import BiomatchLiveness
import BiomatchFace
import Foundation
import Testing

/// The active challenge on real images: a real photograph (the registry's astronaut sample)
/// held up as a print and turned, tilted and brought closer in front of the camera — each
/// frame a perspective warp of the photo, its landmarks found by the real detector. Whatever
/// the motion, the landmarks follow one homography, so the challenge refuses it.
@Suite struct RealImageChallengeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The photo as seen on a print rotated by `yaw` degrees about its vertical axis at 600 mm,
    /// `scale` times nearer, rendered at 2× (bilinear).
    static func printView(_ bgr: [UInt8], _ w: Int, _ h: Int, yaw: Double, pitch: Double, scale: Double) -> [UInt8] {
        let (ow, oh) = (w * 2, h * 2)
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        let f = 1200.0, d = 600.0 / scale
        let (cy, sy, cp, sp) = (cos(yaw * .pi / 180), sin(yaw * .pi / 180), cos(pitch * .pi / 180), sin(pitch * .pi / 180))
        // Print point (X, Y, 0) in mm (1 px = 0.5 mm) → camera; invert by solving the plane.
        for v in 0..<oh {
            for u in 0..<ow {
                // Ray through pixel (u, v); intersect with the rotated print plane.
                let rx = (Double(u) - Double(ow) / 2) / f, ry = (Double(v) - Double(oh) / 2) / f
                // Plane normal after yaw then pitch: n = R·(0,0,1); point on plane: (0,0,d).
                let nx = sy, nz0 = cy
                let ny = -sp * nz0, nz = cp * nz0
                let t = (nz * d) / (nx * rx + ny * ry + nz)
                let px = rx * t, py = ry * t, pz = t - d
                // Back to print coordinates: inverse pitch, then inverse yaw.
                let y1 = cp * py + sp * pz, z1 = -sp * py + cp * pz
                let x0 = cy * px - sy * z1
                let sx = x0 * 2 + Double(w) / 2, syy = y1 * 2 + Double(h) / 2
                guard sx >= 0, syy >= 0, sx < Double(w - 1), syy < Double(h - 1) else { continue }
                let x1 = Int(sx), y1i = Int(syy), fx = sx - Double(x1), fy = syy - Double(y1i)
                for k in 0..<3 {
                    let a = Double(bgr[(y1i * w + x1) * 3 + k]), b = Double(bgr[(y1i * w + x1 + 1) * 3 + k])
                    let c = Double(bgr[((y1i + 1) * w + x1) * 3 + k]), e = Double(bgr[((y1i + 1) * w + x1 + 1) * 3 + k])
                    out[(v * ow + u) * 3 + k] = UInt8(((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + e * fx) * fy).rounded())
                }
            }
        }
        return out
    }

    @Test func aPrintedPhotoMovedAboutIsRefused() throws {
        let models = try FaceModels(directory: Self.root.appendingPathComponent("Models"))
        let pipeline = FacePipeline(models: models)
        let photo = try DecodedImage(contentsOf: Self.root.appendingPathComponent("Models/samples/astronaut.png"))
        let bgr = photo.bgrPixels()
        let poses: [(Double, Double, Double)] = [(0, 0, 1), (-30, 0, 1), (-15, 0, 1), (0, 0, 1), (30, 0, 1), (0, 0, 1), (0, 20, 1), (0, 0, 1), (0, 0, 1.3), (0, 0, 1)]
        var frames: [LandmarkFrame] = []
        for (i, (yaw, pitch, scale)) in poses.enumerated() {
            let view = Self.printView(bgr, photo.width, photo.height, yaw: yaw, pitch: pitch, scale: scale)
            let image = try DecodedImage(pixels: view, width: photo.width * 2, height: photo.height * 2, channels: 3)
            guard let face = try pipeline.detect(in: image).max(by: { $0.confidence < $1.confidence }) else {
                Issue.record("no face in the print view \(i)")
                return
            }
            frames.append(LandmarkFrame(time: Double(i) * 0.4, points: face.landmarks.map { ImagePoint(x: $0.x, y: $0.y) }))
        }
        let parallax = try PlanarMotionTest.noseParallax(frames)
        let result = try ActiveChallenge(prompts: [.turnLeft, .turnRight, .nod]).verify(frames)
        print(String(format: "real print moved about: nose parallax %.3f of the eye distance (threshold %.3f); passed %@", parallax,
                     ActiveChallenge.Thresholds().parallax, result.passed ? "yes" : "no"))
        #expect(parallax < ActiveChallenge.Thresholds().parallax)
        #expect(!result.passed)
    }
}
