import Foundation

/// A model of the far tail of a matcher's impostor scores, for false-match rates below
/// what its measured calibration reaches: a generalised Pareto distribution (GPD) fitted
/// to the scores above a high quantile (peaks over threshold; Pickands–Balkema–de Haan),
/// by probability-weighted moments (Hosking & Wallis 1987).
///
/// Above the fit threshold *u*, exceeded by a fraction *pᵤ* of the impostor scores,
/// P(S > s) = *pᵤ* · (1 + ξ (s − u)/σ)^(−1/ξ). The model is only as good as its check on
/// impostor scores it was not fitted on (``validation``): ``usableRange`` stops two decades
/// below the smallest rate that check could resolve and confirm, and every threshold taken
/// from the model must be labelled as such.
public struct ImpostorTailModel: Sendable, Hashable, Codable {
    /// One check of the model on held-out impostor scores.
    public struct ValidationPoint: Sendable, Hashable, Codable {
        /// The rate the model's threshold was taken at.
        public var rate: Double
        /// The model's threshold for it.
        public var threshold: Double
        /// Held-out impostor scores at or above the threshold, and their number.
        public var observed: Int
        public var pairs: Int
        /// Whether the held-out scores do not exceed the modelled rate significantly: `rate`
        /// is at least the lower end of the 95 % Clopper–Pearson interval of observed / pairs.
        /// One-sided, because a model that overstates the false-match rate only costs
        /// genuine matches (fail closed), while one that understates it lets impostors through.
        public var holds: Bool
    }

    /// The fit threshold u (a score).
    public var threshold: Double
    /// The fraction of fitted impostor scores above u.
    public var exceedanceRate: Double
    /// Shape ξ (negative: a bounded tail).
    public var shape: Double
    /// Scale σ.
    public var scale: Double
    /// Impostor scores the model was fitted on, and what they were.
    public var fittedPairs: Int
    public var fittedOn: String
    /// The check on held-out impostor scores, and what they were.
    public var validation: [ValidationPoint]
    public var validatedOn: String

    /// How many decades beyond its validated rate the model may be used.
    public static let extrapolationDecades = 2.0

    /// Fits the tail of `scores` above their (1 − `tailFraction`) quantile.
    ///
    /// - Throws: ``EvaluationError`` with fewer than 50 scores in the tail, or when the
    ///   moments give no valid distribution (a shape of ½ or more: an infinite-variance tail).
    public init(fitting scores: [Double], tailFraction: Double = 0.01, fittedOn: String) throws {
        let sorted = scores.filter(\.isFinite).sorted()
        let n = sorted.count
        let k = Int((Double(n) * tailFraction).rounded())
        guard k >= 50, k < n else {
            throw EvaluationError("a tail model needs at least 50 impostor scores above its threshold; \(n) scores give \(k)")
        }
        let u = sorted[n - k - 1]
        let exceedances = sorted[(n - k)...].map { $0 - u }
        // Probability-weighted moments: a0 = mean, a1 = mean of y_(i) · (1 − p_i), p_i plotting positions.
        let a0 = exceedances.reduce(0, +) / Double(k)
        var a1 = 0.0
        for (i, y) in exceedances.enumerated() { a1 += y * (1 - (Double(i + 1) - 0.35) / Double(k)) }
        a1 /= Double(k)
        let kappa = a0 / (a0 - 2 * a1) - 2
        let sigma = 2 * a0 * a1 / (a0 - 2 * a1)
        let xi = -kappa
        guard sigma > 0, sigma.isFinite, xi < 0.5, xi.isFinite else {
            throw EvaluationError("the impostor tail gives no usable generalised Pareto fit (shape \(xi), scale \(sigma))")
        }
        self.threshold = u
        self.exceedanceRate = Double(k) / Double(n)
        self.shape = xi
        self.scale = sigma
        self.fittedPairs = n
        self.fittedOn = fittedOn
        self.validation = []
        self.validatedOn = ""
    }

    /// The modelled false-match rate at `score` (above the fit threshold).
    public func rate(at score: Double) -> Double {
        guard score > threshold else { return exceedanceRate }
        let z = (score - threshold) / scale
        if abs(shape) < 1e-9 { return exceedanceRate * exp(-z) }
        let base = 1 + shape * z
        guard base > 0 else { return 0 }  // beyond a bounded tail's end
        return exceedanceRate * pow(base, -1 / shape)
    }

    /// The score at which the modelled false-match rate is `rate` (at most the exceedance rate).
    public func threshold(forRate rate: Double) -> Double {
        let r = min(max(rate, .leastNormalMagnitude), exceedanceRate)
        if abs(shape) < 1e-9 { return threshold + scale * log(exceedanceRate / r) }
        return threshold + scale / shape * (pow(r / exceedanceRate, -shape) - 1)
    }

    /// Checks the model on impostor scores it was not fitted on, at rates from the exceedance
    /// rate down to the smallest the scores can resolve (three expected exceedances).
    public mutating func validate(on scores: [Double], description: String) {
        let held = scores.filter(\.isFinite)
        validation = []
        validatedOn = description
        var rate = exceedanceRate
        while rate * Double(held.count) >= 3 {
            let t = threshold(forRate: rate)
            let observed = held.reduce(0) { $0 + ($1 >= t ? 1 : 0) }
            let interval = BinomialInterval(errors: observed, trials: held.count)
            validation.append(ValidationPoint(rate: rate, threshold: t, observed: observed, pairs: held.count,
                                              holds: rate >= interval.lower))
            rate /= 10
        }
    }

    /// The smallest rate at which the held-out check confirmed the model, every larger rate
    /// confirmed too; nil when the check failed or never ran.
    public var validatedRate: Double? {
        guard !validation.isEmpty, validation.allSatisfy(\.holds) else { return nil }
        return validation.map(\.rate).min()
    }

    /// The rates the model may give thresholds for: from its validated rate down to
    /// ``extrapolationDecades`` beyond it; nil when it is not validated.
    public var usableRange: ClosedRange<Double>? {
        guard let validated = validatedRate else { return nil }
        return (validated / pow(10, Self.extrapolationDecades))...exceedanceRate
    }
}
