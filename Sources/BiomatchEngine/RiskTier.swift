import BiomatchEvaluation
import Foundation

/// What a class of transaction demands of a biometric decision: the false-match rate the
/// decision is calibrated to, and whether a liveness check must pass.
public struct RiskTier: Sendable, Hashable {
    /// The tier's name (`low`, `standard`, `high`).
    public var name: String
    /// Transactions up to this amount (in minor units) fall in this tier; nil for no upper bound.
    public var maximumAmount: Int64?
    /// The FMR target every decision in this tier is calibrated to.
    public var fmrTarget: FMRTarget
    /// Whether a liveness score must accompany the probe.
    public var requiresLiveness: Bool
    /// The least liveness score (0–1) accepted when liveness is required.
    public var livenessThreshold: Double

    /// A tier.
    public init(name: String, maximumAmount: Int64?, fmrTarget: FMRTarget, requiresLiveness: Bool, livenessThreshold: Double = 0.5) {
        self.name = name
        self.maximumAmount = maximumAmount
        self.fmrTarget = fmrTarget
        self.requiresLiveness = requiresLiveness
        self.livenessThreshold = livenessThreshold
    }
}

/// Everything the engine's policy checks depend on, in one place.
public struct EngineConfiguration: Sendable {
    /// Risk tiers by increasing amount; the last should have no upper bound.
    public var tiers: [RiskTier]
    /// Allowed difference between a terminal's clock and the engine's, in seconds.
    public var clockSkew: TimeInterval = 60
    /// How old a probe may be (capture time to arrival), in seconds; also how long a
    /// transaction id is remembered against replay.
    public var freshnessWindow: TimeInterval = 120
    /// Least capture quality (0–100) for enrollment.
    public var enrollmentQualityFloor = 40
    /// Least capture quality (0–100) for a probe.
    public var probeQualityFloor = 20
    /// Whether probes (verify, identify) must be integrity-protected (MAC or signature).
    public var probesRequireIntegrity = true
    /// Whether probes must be encrypted (privacy block).
    public var probesRequirePrivacy = true
    /// Whether enrollment objects must be integrity-protected.
    public var enrollmentRequiresIntegrity = true
    /// How long a new reference stays valid when its object gives no end, in seconds (nil: open).
    public var referenceValidity: TimeInterval? = 5 * 365 * 86_400
    /// Most candidates an identification returns.
    public var maximumCandidates = 5

    /// A configuration with these tiers and default windows.
    public init(tiers: [RiskTier]) {
        self.tiers = tiers
    }

    /// Three tiers: up to 100.00 at FMR 1e-3 without liveness, up to 1,000.00 at 1e-4 with
    /// liveness, above at 1e-5 with a stricter liveness threshold.
    public static var standard: EngineConfiguration {
        EngineConfiguration(tiers: [
            RiskTier(name: "low", maximumAmount: 10_000, fmrTarget: .oneInThousand, requiresLiveness: false),
            RiskTier(name: "standard", maximumAmount: 100_000, fmrTarget: .oneInTenThousand, requiresLiveness: true),
            RiskTier(name: "high", maximumAmount: nil, fmrTarget: .oneInHundredThousand, requiresLiveness: true, livenessThreshold: 0.7),
        ])
    }

    /// The tier named `name`.
    public func tier(named name: String) throws -> RiskTier {
        guard let tier = tiers.first(where: { $0.name == name }) else {
            throw EngineError(.unknownTier, "no risk tier is named \(name); tiers: \(tiers.map(\.name).joined(separator: ", "))")
        }
        return tier
    }

    /// The tier a payment of `amount` (minor units) falls in.
    public func tier(forAmount amount: Int64) throws -> RiskTier {
        guard let tier = tiers.first(where: { $0.maximumAmount.map { amount <= $0 } ?? true }) else {
            throw EngineError(.unknownTier, "no risk tier covers an amount of \(amount)")
        }
        return tier
    }
}

/// A liveness score that accompanies a probe (from the terminal's PAD or the engine's).
public struct LivenessEvidence: Sendable, Hashable, Codable {
    /// 0 (attack) … 1 (bona fide).
    public var score: Double
    /// Which check produced it.
    public var method: String

    /// Evidence.
    public init(score: Double, method: String) {
        self.score = score
        self.method = method
    }
}
