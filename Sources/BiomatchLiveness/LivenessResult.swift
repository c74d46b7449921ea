/// A presentation-attack check.
public enum LivenessCheck: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Colour texture of one RGB frame (``ColorTextureFeatures`` and a ``PADModel``).
    case passiveFace = "passive-face"
    /// Random prompts over a frame sequence (``ActiveChallenge``).
    case activeChallenge = "active-challenge"
    /// Relief of the face region in a depth map (``DepthFaceCheck``).
    case depth
    /// Near-infrared reflectance of the face region (``InfraredFaceCheck``).
    case infrared
    /// Texture of a fingerprint image (``FingerprintTextureFeatures`` and a ``PADModel``).
    case fingerprint

    /// The modality the check guards: `face` or `finger`.
    public var modality: String { self == .fingerprint ? "finger" : "face" }

    public static func < (a: LivenessCheck, b: LivenessCheck) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

/// The raw score of one check that ran on a presentation: 0 (attack) … 1 (bona fide).
public struct LivenessScore: Sendable, Hashable, Codable {
    /// Which check.
    public var check: LivenessCheck
    /// Its score.
    public var score: Double
    /// What it measured, for an operator (never biometric data).
    public var detail: String

    /// A score.
    public init(check: LivenessCheck, score: Double, detail: String = "") {
        self.check = check
        self.score = score
        self.detail = detail
    }
}

/// One check's part in a ``LivenessResult``.
public struct LivenessCheckOutcome: Sendable, Hashable, Codable {
    /// Which check.
    public var check: LivenessCheck
    /// Its raw score.
    public var score: Double
    /// Its threshold at the result's APCER target.
    public var threshold: Double
    /// Whether the score clears the threshold.
    public var passed: Bool
    /// What it measured.
    public var detail: String
}

/// Every check that ran on one presentation, fused into one score and one decision at a
/// target APCER.
///
/// Fusion is an AND rule, so an attack must fool every check: each score is mapped onto a
/// common scale on which 0.5 is its threshold at the target (linear on each side), and the
/// fused score is the smallest. The presentation is bona fide when the fused score is at
/// least 0.5, that is, when every check passes; the APCER of the whole is then at most the
/// smallest APCER of its checks.
public struct LivenessResult: Sendable, Hashable, Codable {
    /// The checks, in ``LivenessCheck`` order.
    public var checks: [LivenessCheckOutcome]
    /// The fused score (0.5 at the decision threshold).
    public var fusedScore: Double
    /// The APCER target the thresholds are for.
    public var targetAPCER: Double
    /// The decision.
    public var isBonaFide: Bool
    /// Why, for an operator.
    public var reasons: [String]

    /// The checks that ran.
    public var checksRun: Set<LivenessCheck> { Set(checks.map(\.check)) }
}

/// Thresholds of every check at APCER targets: measured ones for the learned checks (from
/// their models' cross-validated calibration), fixed ones for the rule-based checks.
public struct LivenessCalibration: Sendable {
    /// Calibrations of learned checks.
    public var measured: [LivenessCheck: PADCalibration]
    /// Thresholds of checks whose score is already a pass/fail margin (active challenge,
    /// depth, infrared: 0.5), or of learned checks without a calibration.
    public var fixed: [LivenessCheck: Double]

    /// A calibration; rule-based checks default to 0.5.
    public init(measured: [LivenessCheck: PADCalibration] = [:],
                fixed: [LivenessCheck: Double] = [.activeChallenge: 0.5, .depth: 0.5, .infrared: 0.5]) {
        self.measured = measured
        self.fixed = fixed
    }

    /// The calibration that the models carry (a model without one is not usable for decisions).
    public init(passiveFace: PADModel?, fingerprint: PADModel?) {
        var measured: [LivenessCheck: PADCalibration] = [:]
        if let c = passiveFace?.calibration { measured[.passiveFace] = c }
        if let c = fingerprint?.calibration { measured[.fingerprint] = c }
        self.init(measured: measured)
    }

    /// The threshold of `check` at `apcer`, nil when the check has none.
    public func threshold(_ check: LivenessCheck, forAPCER apcer: Double) -> Double? {
        measured[check]?.threshold(forAPCER: apcer) ?? fixed[check]
    }

    /// Fuses the scores of the checks that ran into a decision at `targetAPCER`. Several
    /// scores of one check (several frames) count by their weakest. A check without a
    /// threshold, or a score that is not a number, fails.
    public func decide(_ scores: [LivenessScore], targetAPCER: Double) -> LivenessResult {
        var weakest: [LivenessCheck: LivenessScore] = [:]
        for s in scores {
            let score = s.score.isFinite && (0...1).contains(s.score) ? s.score : 0  // out of range: no evidence
            if let seen = weakest[s.check], seen.score <= score { continue }
            weakest[s.check] = LivenessScore(check: s.check, score: score, detail: s.detail)
        }
        var outcomes: [LivenessCheckOutcome] = [], reasons: [String] = [], fused = 1.0
        for check in weakest.keys.sorted() {
            guard let s = weakest[check] else { continue }
            guard let t = threshold(check, forAPCER: targetAPCER) else {
                outcomes.append(LivenessCheckOutcome(check: check, score: s.score, threshold: 1, passed: false, detail: s.detail))
                reasons.append("\(check.rawValue) has no calibrated threshold, so it cannot pass")
                fused = 0
                continue
            }
            let passed = s.score >= t
            let common = s.score >= t ? 0.5 + 0.5 * (s.score - t) / max(1 - t, 1e-9) : 0.5 * s.score / max(t, 1e-9)
            fused = min(fused, max(0, min(1, common)))
            outcomes.append(LivenessCheckOutcome(check: check, score: s.score, threshold: t, passed: passed, detail: s.detail))
            reasons.append("\(check.rawValue) \(passed ? "passed" : "failed"): score \(format(s.score)) \(passed ? "≥" : "<") \(format(t)) at APCER \(format(targetAPCER))"
                           + (s.detail.isEmpty ? "" : " (\(s.detail))"))
        }
        if outcomes.isEmpty { fused = 0; reasons.append("no liveness check ran") }
        let bonaFide = !outcomes.isEmpty && outcomes.allSatisfy(\.passed)
        return LivenessResult(checks: outcomes, fusedScore: bonaFide ? max(fused, 0.5) : min(fused, 0.4999), targetAPCER: targetAPCER,
                              isBonaFide: bonaFide, reasons: reasons)
    }

    private func format(_ v: Double) -> String {
        let scaled = (v * 10_000).rounded() / 10_000
        return "\(scaled)"
    }
}
