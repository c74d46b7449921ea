import Foundation

/// One thing the terminal asks the customer to do.
public enum ChallengePrompt: String, Sendable, Hashable, Codable, CaseIterable {
    /// Turn the head to the customer's left (camera not mirrored: the nose moves to image +x).
    case turnLeft = "turn-left"
    /// Turn the head to the customer's right (the nose moves to image −x).
    case turnRight = "turn-right"
    /// Nod: tip the head down (or up) and back.
    case nod
    /// Move closer to the camera.
    case moveCloser = "move-closer"
}

/// What an active challenge found.
public struct ChallengeResult: Sendable, Hashable, Codable {
    /// Whether every prompt was followed, in order, in time, by a three-dimensional head.
    public var passed: Bool
    /// When each prompt was seen done (seconds), in prompt order; shorter if some were not.
    public var completedAt: [Double]
    /// The nose parallax (see ``PlanarMotionTest``), over the eye distance.
    public var parallax: Double
    /// Why it failed, for an operator.
    public var reasons: [String]
}

/// An active liveness challenge: a random order of prompts and a time limit. A replayed
/// video follows its own old order, not this one; a flat picture moved about follows the
/// prompts but shows no nose parallax.
public struct ActiveChallenge: Sendable, Hashable, Codable {
    /// The prompts, in the order they must be done.
    public let prompts: [ChallengePrompt]
    /// Seconds from issue to the last prompt done.
    public let timeLimit: Double

    /// Thresholds on the landmark cues (calibrated on the synthetic head model in the tests;
    /// conservative for real ones).
    public struct Thresholds: Sendable, Hashable, Codable {
        /// Change of the yaw cue (nose offset over eye distance) that counts as a turn.
        public var turn = 0.12
        /// Change of the pitch cue (nose between eye and mouth lines) that counts as a nod.
        public var nod = 0.10
        /// Growth of the eye distance that counts as moving closer.
        public var closer = 1.18
        /// Least nose parallax (over the eye distance) of a three-dimensional head.
        public var parallax = 0.08
        /// Defaults.
        public init() {}
    }

    /// The thresholds in use.
    public var thresholds = Thresholds()

    /// A challenge with these prompts.
    public init(prompts: [ChallengePrompt], timeLimit: Double = 10) {
        self.prompts = prompts
        self.timeLimit = timeLimit
    }

    /// A fresh challenge of `count` distinct prompts in random order.
    public static func random(count: Int = 3, timeLimit: Double = 10) -> ActiveChallenge {
        var generator = SystemRandomNumberGenerator()
        return random(count: count, timeLimit: timeLimit, using: &generator)
    }

    /// A challenge drawn from `generator` (tests pass a seeded one).
    public static func random<G: RandomNumberGenerator>(count: Int = 3, timeLimit: Double = 10, using generator: inout G) -> ActiveChallenge {
        ActiveChallenge(prompts: Array(ChallengePrompt.allCases.shuffled(using: &generator).prefix(max(1, min(count, ChallengePrompt.allCases.count)))),
                        timeLimit: timeLimit)
    }

    /// Checks a frame sequence (the first frame: a frontal, neutral face).
    ///
    /// - Throws: ``LivenessError`` for fewer than two frames or frames without five landmarks.
    public func verify(_ frames: [LandmarkFrame]) throws -> ChallengeResult {
        guard frames.count >= 2 else { throw LivenessError("an active challenge needs a sequence of frames, not \(frames.count)") }
        let ordered = frames.sorted { $0.time < $1.time }
        let parallax = try PlanarMotionTest.noseParallax(ordered)
        guard let base = ordered.first else { throw LivenessError("no frames") }
        var reasons: [String] = []
        var completed: [Double] = []
        var next = 0
        var armed = true  // a prompt counts only after the head has come back near neutral
        for frame in ordered.dropFirst() where next < prompts.count {
            guard frame.time <= timeLimit else { break }
            let seen = events(frame, base: base)
            if seen.isEmpty { armed = true; continue }
            guard armed else { continue }
            if seen.contains(prompts[next]) {
                completed.append(frame.time)
                next += 1
                armed = false
            } else if let other = seen.first, !(next > 0 && other == prompts[next - 1]) {
                reasons.append("\(other.rawValue) was done while \(prompts[next].rawValue) was asked for (prompt \(next + 1) of \(prompts.count))")
                break
            }
        }
        if reasons.isEmpty && next < prompts.count {
            reasons.append("prompt \(next + 1) of \(prompts.count) (\(prompts[next].rawValue)) was not done within \(timeLimit) s")
        }
        if parallax < thresholds.parallax {
            reasons.append(String(format: "the landmarks move like a flat picture (nose parallax %.3f < %.3f of the eye distance)", parallax, thresholds.parallax))
        }
        return ChallengeResult(passed: reasons.isEmpty, completedAt: completed, parallax: parallax, reasons: reasons)
    }

    /// The prompts a frame shows done, against the neutral first frame.
    func events(_ frame: LandmarkFrame, base: LandmarkFrame) -> [ChallengePrompt] {
        var out: [ChallengePrompt] = []
        let yaw = frame.yawCue - base.yawCue
        if yaw >= thresholds.turn { out.append(.turnLeft) }
        if yaw <= -thresholds.turn { out.append(.turnRight) }
        if abs(frame.pitchCue - base.pitchCue) >= thresholds.nod { out.append(.nod) }
        if frame.interOcular >= thresholds.closer * base.interOcular { out.append(.moveCloser) }
        return out
    }
}
