import Foundation

extension ChallengeResult {
    /// The result as a liveness score: 1 when passed, 0 when not.
    public var livenessScore: LivenessScore {
        LivenessScore(check: .activeChallenge, score: passed ? 1 : 0,
                      detail: String(format: "%d prompts done, nose parallax %.3f", completedAt.count, parallax))
    }
}

extension DepthAssessment {
    /// The assessment as a liveness score.
    public var livenessScore: LivenessScore {
        LivenessScore(check: .depth, score: score,
                      detail: String(format: "relief %.1f mm, nose %.1f mm, coverage %.2f", reliefRMS, protrusion, coverage))
    }
}

extension InfraredAssessment {
    /// The assessment as a liveness score.
    public var livenessScore: LivenessScore {
        LivenessScore(check: .infrared, score: score,
                      detail: String(format: "brightness %.2f, contrast %.2f, pixel detail %.2f", brightness, contrast, highPassRatio))
    }
}
