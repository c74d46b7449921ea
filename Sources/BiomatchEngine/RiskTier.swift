import BiomatchEvaluation
import BiomatchFraming
import BiomatchLiveness
import Foundation

/// What a class of transaction demands of a biometric decision: the false-match rate the
/// decision is calibrated to, and which liveness checks must pass at which APCER.
public struct RiskTier: Sendable, Hashable {
    /// The tier's name (`low`, `standard`, `high`).
    public var name: String
    /// Transactions up to this amount (in minor units) fall in this tier; nil for no upper bound.
    public var maximumAmount: Int64?
    /// The FMR target every decision in this tier is calibrated to.
    public var fmrTarget: FMRTarget
    /// The liveness checks the tier requires, and the APCER they are decided at; nil when
    /// the tier requires none (a liveness result that comes anyway must still pass).
    public var liveness: LivenessRequirement?

    /// A tier.
    public init(name: String, maximumAmount: Int64?, fmrTarget: FMRTarget, liveness: LivenessRequirement? = nil) {
        self.name = name
        self.maximumAmount = maximumAmount
        self.fmrTarget = fmrTarget
        self.liveness = liveness
    }
}

/// Which presentation-attack checks a tier requires, and the APCER target their thresholds
/// are taken at. A check applies to the probes of its modality: face checks to face probes,
/// the fingerprint check to finger probes.
public struct LivenessRequirement: Sendable, Hashable {
    /// The checks that must have run and passed.
    public var checks: Set<LivenessCheck>
    /// The APCER target of every check's threshold.
    public var targetAPCER: Double

    /// A requirement.
    public init(checks: Set<LivenessCheck>, targetAPCER: Double) {
        self.checks = checks
        self.targetAPCER = targetAPCER
    }
}

/// Everything the engine's policy checks depend on, in one place.
public struct EngineConfiguration: Sendable {
    /// Risk tiers by increasing amount, weakest first; the last should have no upper bound.
    public var tiers: [RiskTier]
    /// Allowed difference between a terminal's clock and the engine's, in seconds.
    public var clockSkew: TimeInterval = 60
    /// How old a probe may be (capture time to arrival), in seconds; also how long a
    /// transaction id is remembered against replay.
    public var freshnessWindow: TimeInterval = 120
    /// How long after an active challenge was issued its answer may still arrive, beyond the
    /// challenge's own time limit, in seconds; judged on the engine's clock alone (the
    /// terminal's capture time plays no part).
    public var challengeArrivalWindow: TimeInterval = 10
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
    /// Whether probes must be protected under per-terminal keys (``TerminalKeyName``), not
    /// shared named keys; then every probe is tied to one terminal, its dates and its purpose.
    public var probesRequireTerminalKeys = false
    /// Terminals whose keys are no longer accepted (lost, stolen, decommissioned), by id.
    public var revokedTerminals: Set<String> = []
    /// How long a new reference stays valid when its object gives no end, in seconds (nil: open).
    public var referenceValidity: TimeInterval? = 5 * 365 * 86_400
    /// How far the second-best distinct subject of an identification must stay below the
    /// best, in decades of false-match evidence (−log10 FMR), besides staying below the
    /// threshold; a closer runner-up makes the search ambiguous, and it is refused.
    public var identificationMargin = 1.0
    /// Thresholds of the liveness checks (measured ones come from the PAD models'
    /// cross-validated calibrations; without them a learned check cannot pass).
    public var livenessCalibration = LivenessCalibration()
    /// The APCER at which a liveness result is decided when the tier requires none.
    public var defaultTargetAPCER = 0.05

    /// A configuration with these tiers and default windows.
    public init(tiers: [RiskTier]) {
        self.tiers = tiers
    }

    /// Three tiers: up to 100.00 at FMR 1e-3 without liveness; up to 1,000.00 at 1e-4 with
    /// passive face PAD (or fingerprint PAD for finger probes) at APCER 5 %; above, at 1e-5,
    /// with passive face PAD and an active challenge (fingerprint PAD for fingers) at APCER 1 %.
    public static var standard: EngineConfiguration {
        EngineConfiguration(tiers: [
            RiskTier(name: "low", maximumAmount: 10_000, fmrTarget: .oneInThousand),
            RiskTier(name: "standard", maximumAmount: 100_000, fmrTarget: .oneInTenThousand,
                     liveness: LivenessRequirement(checks: [.passiveFace, .fingerprint], targetAPCER: 0.05)),
            RiskTier(name: "high", maximumAmount: nil, fmrTarget: .oneInHundredThousand,
                     liveness: LivenessRequirement(checks: [.passiveFace, .activeChallenge, .fingerprint], targetAPCER: 0.01)),
        ])
    }

    /// The tier named `name`.
    ///
    /// - Throws: ``EngineError`` `unknownTier` when no tier has that name.
    public func tier(named name: String) throws -> RiskTier {
        guard let tier = tiers.first(where: { $0.name == name }) else {
            throw EngineError(.unknownTier, "no risk tier is named \(name); tiers: \(tiers.map(\.name).joined(separator: ", "))")
        }
        return tier
    }

    /// The tier a payment of `amount` (minor units) falls in.
    ///
    /// - Throws: ``EngineError`` `invalidPayment` for an amount that is not positive, `unknownTier` when no tier covers it.
    public func tier(forAmount amount: Int64) throws -> RiskTier {
        guard amount > 0 else {
            throw EngineError(.invalidPayment, "payment amount \(amount) must be a positive number of minor units")
        }
        guard let tier = tiers.first(where: { $0.maximumAmount.map { amount <= $0 } ?? true }) else {
            throw EngineError(.unknownTier, "no risk tier covers an amount of \(amount)")
        }
        return tier
    }

    /// The tier a payment is decided at: the one its amount falls in, or `requested` when
    /// that is stricter (later in ``tiers``, which run from the weakest to the strictest).
    ///
    /// - Throws: ``EngineError`` `tierTooWeak` when `requested` is weaker than the amount's.
    public func tier(for payment: PaymentContext, requested: String?) throws -> RiskTier {
        let byAmount = try tier(forAmount: payment.amount)
        guard let requested else { return byAmount }
        let asked = try tier(named: requested)
        guard let a = tiers.firstIndex(of: asked), let b = tiers.firstIndex(of: byAmount), a >= b else {
            throw EngineError(.tierTooWeak, "a payment of \(payment.displayAmount) needs risk tier \(byAmount.name) or stricter; \(asked.name) was asked for")
        }
        return asked
    }
}
