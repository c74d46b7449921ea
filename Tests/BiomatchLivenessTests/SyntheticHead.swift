@testable import BiomatchLiveness
import BiomatchTestSupport
import Foundation

/// A five-landmark head model (mm) and a pinhole camera, for landmark tracks a test knows
/// the truth of. `planar` flattens the nose into the eye–mouth plane: a print or a screen.
struct SyntheticHead {
    var planar: Bool
    var noise = 0.5  // pixels, Gaussian
    var rng = SplitMix64(state: 42)

    /// Right eye, left eye, nose tip, right mouth corner, left mouth corner (head frame:
    /// x to image right, y down, z away from the camera).
    var model: [(Double, Double, Double)] {
        [(-32, -30, 0), (32, -30, 0), (0, 2, planar ? 0 : -32), (-25, 32, 0), (25, 32, 0)]
    }

    /// A pose: yaw and pitch in degrees, distance in mm.
    struct Pose { var yaw = 0.0, pitch = 0.0, distance = 600.0 }

    mutating func frame(_ pose: Pose, time: Double) -> LandmarkFrame {
        let (cy, sy) = (cos(pose.yaw * .pi / 180), sin(pose.yaw * .pi / 180))
        let (cp, sp) = (cos(pose.pitch * .pi / 180), sin(pose.pitch * .pi / 180))
        let points = model.map { (x, y, z) -> ImagePoint in
            // Yaw about the vertical axis, then pitch about the horizontal one.
            let x1 = cy * x + sy * z, z1 = -sy * x + cy * z
            let y2 = cp * y - sp * z1, z2 = sp * y + cp * z1
            let depth = z2 + pose.distance
            return ImagePoint(x: 320 + 800 * x1 / depth + gaussian() * noise, y: 240 + 800 * y2 / depth + gaussian() * noise)
        }
        return LandmarkFrame(time: time, points: points)
    }

    mutating func gaussian() -> Double {
        let u = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12), v = Double(rng.next() >> 11) / Double(1 << 53)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// The pose a prompt drives towards.
    static func target(_ prompt: ChallengePrompt) -> Pose {
        switch prompt {
        case .turnLeft: return Pose(yaw: -25)  // the nose moves to image +x
        case .turnRight: return Pose(yaw: 25)
        case .nod: return Pose(pitch: 20)
        case .moveCloser: return Pose(distance: 450)
        }
    }

    /// 15 frames a second: neutral, then for each prompt a 0.5 s move, a 0.3 s hold, a 0.5 s
    /// return and a 0.3 s rest.
    mutating func track(_ prompts: [ChallengePrompt]) -> [LandmarkFrame] {
        var frames: [LandmarkFrame] = []
        var t = 0.0
        func add(_ pose: Pose, _ f: inout [LandmarkFrame], _ head: inout SyntheticHead) { f.append(head.frame(pose, time: t)); t += 1.0 / 15 }
        var me = self
        for _ in 0..<8 { add(Pose(), &frames, &me) }
        for prompt in prompts {
            let goal = Self.target(prompt)
            let out: [Double] = (0..<8).map { Double($0) / 7 }
            let back: [Double] = out.map { 1 - $0 }
            let steps: [Double] = out + [Double](repeating: 1, count: 5) + back + [Double](repeating: 0, count: 5)
            for a in steps {
                add(Pose(yaw: goal.yaw * a, pitch: goal.pitch * a, distance: 600 + (goal.distance - 600) * a), &frames, &me)
            }
        }
        self = me
        return frames
    }
}

