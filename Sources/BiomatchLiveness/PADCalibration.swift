/// The thresholds of a PAD score at a few APCER targets (the worst attack type's APCER),
/// measured on held-out scores.
///
/// A threshold that holds on pooled scores need not hold for each person: one subject's
/// prints may all score higher than another's. A calibration made ``init(bySubject:targets:)``
/// therefore takes, for each target, the threshold that the *worst* held-out subject needs
/// (each subject's scores come from a model that never saw that subject), and keeps every
/// subject's own threshold beside it, so the spread between people is on record.
public struct PADCalibration: Sendable, Codable, Hashable {
    /// One target and the threshold chosen for it.
    public struct Point: Sendable, Codable, Hashable {
        /// The APCER target.
        public var apcer: Double
        /// Scores at or above it are bona fide.
        public var threshold: Double
        /// The BPCER at this threshold on the calibration scores (pooled).
        public var bpcer: Double
        /// The threshold each held-out subject alone would need for the target; nil for a
        /// calibration from pooled scores.
        public var subjectThresholds: [String: Double]?
        /// The threshold the pooled held-out scores alone would need.
        public var pooledThreshold: Double?

        /// A point.
        public init(apcer: Double, threshold: Double, bpcer: Double, subjectThresholds: [String: Double]? = nil, pooledThreshold: Double? = nil) {
            self.apcer = apcer
            self.threshold = threshold
            self.bpcer = bpcer
            self.subjectThresholds = subjectThresholds
            self.pooledThreshold = pooledThreshold
        }
    }

    /// Points by increasing APCER.
    public var points: [Point]
    /// Bona fide and attack presentations the points were measured on.
    public var bonaFideCount: Int
    /// Attack presentations by type.
    public var attackCounts: [String: Int]
    /// How the thresholds were chosen: `pooled` or `worst held-out subject`.
    public var rule: String?

    /// The APCER targets a model is calibrated at.
    public static let targets = [0.01, 0.02, 0.05, 0.10, 0.20]

    /// A calibration with these points (sorted by APCER).
    public init(points: [Point], bonaFideCount: Int, attackCounts: [String: Int], rule: String? = nil) {
        self.points = points.sorted { $0.apcer < $1.apcer }
        self.bonaFideCount = bonaFideCount
        self.attackCounts = attackCounts
        self.rule = rule
    }

    /// Calibration from pooled held-out scores.
    public init(_ rates: PADErrorRates, targets: [Double] = PADCalibration.targets) {
        points = targets.sorted().map { a in
            let t = min(1, max(0, rates.threshold(forAPCER: a)))
            return Point(apcer: a, threshold: t, bpcer: rates.bpcer(at: t))
        }
        bonaFideCount = rates.bonaFide.count
        attackCounts = rates.attacks.mapValues(\.count)
        rule = "pooled"
    }

    /// Calibration that holds for each held-out subject: per target, the highest of the
    /// thresholds the subjects need one by one (and at least the pooled one).
    ///
    /// - Parameter bySubject: each subject's held-out scores (from a model trained without
    ///   that subject). A subject without attack presentations constrains nothing.
    public init(bySubject: [String: PADErrorRates], targets: [Double] = PADCalibration.targets) {
        let pooled = PADErrorRates(bonaFide: bySubject.values.flatMap(\.bonaFide),
                                   attacks: bySubject.values.reduce(into: [:]) { all, r in
                                       for (type, s) in r.attacks { all[type, default: []] += s }
                                   })
        points = targets.sorted().map { a in
            var perSubject: [String: Double] = [:]
            for (subject, rates) in bySubject where rates.attacks.values.contains(where: { !$0.isEmpty }) {
                perSubject[subject] = min(1, max(0, rates.threshold(forAPCER: a)))
            }
            let pooledThreshold = min(1, max(0, pooled.threshold(forAPCER: a)))
            let t = max(pooledThreshold, perSubject.values.max() ?? 0)
            return Point(apcer: a, threshold: t, bpcer: pooled.bpcer(at: t), subjectThresholds: perSubject, pooledThreshold: pooledThreshold)
        }
        bonaFideCount = pooled.bonaFide.count
        attackCounts = pooled.attacks.mapValues(\.count)
        rule = "worst held-out subject"
    }

    /// The threshold for `apcer`: that of the loosest calibrated target at or under it
    /// (conservative), or the strictest one when `apcer` is below every target.
    public func threshold(forAPCER apcer: Double) -> Double? {
        (points.last { $0.apcer <= apcer + 1e-12 } ?? points.first)?.threshold
    }
}
