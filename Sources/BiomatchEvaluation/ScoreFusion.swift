import Foundation

/// Turns one matcher's similarity score into false-match evidence: −log10 of the false-match
/// rate at which that score would just be a match.
///
/// The map is read off the matcher's threshold calibration (score thresholds at FMR targets,
/// calibrated on impostor scores), interpolated linearly in log10(FMR) between calibrated
/// points and extrapolated with the slope of the nearest segment beyond them. Evidence is
/// clamped to `0…maximumEvidence`: below the loosest threshold a score says nothing, and far
/// above the strictest the extrapolation is not trusted beyond `maximumEvidence` decades.
public struct ScoreNormalizer: Sendable, Hashable, Codable {
    /// One calibrated point.
    public struct Point: Sendable, Hashable, Codable {
        /// The score threshold.
        public var threshold: Double
        /// The FMR at that threshold.
        public var rate: Double
        /// A point.
        public init(threshold: Double, rate: Double) {
            self.threshold = threshold
            self.rate = rate
        }
    }

    /// Points by increasing threshold (decreasing FMR).
    public let points: [Point]
    /// Most evidence one score can carry, in decades of FMR.
    public let maximumEvidence: Double

    /// A normalizer from at least two calibrated points with distinct thresholds, where a
    /// higher threshold has a lower FMR.
    ///
    /// - Throws: ``EvaluationError`` when the points are fewer than two or not monotonic.
    public init(points: [Point], maximumEvidence: Double = 8) throws {
        let sorted = points.sorted { $0.threshold < $1.threshold }
        guard sorted.count >= 2 else { throw EvaluationError("score normalization needs at least two calibrated thresholds") }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            guard b.threshold > a.threshold, b.rate < a.rate, a.rate > 0, b.rate > 0, a.rate <= 1 else {
                throw EvaluationError("calibrated thresholds must rise as the FMR falls (\(a.threshold)@\(a.rate), \(b.threshold)@\(b.rate))")
            }
        }
        guard maximumEvidence > 0 else { throw EvaluationError("maximumEvidence must be positive") }
        self.points = sorted
        self.maximumEvidence = maximumEvidence
    }

    /// A normalizer from a ``ThresholdCalibration``.
    ///
    /// - Throws: ``EvaluationError`` when the calibration's points cannot be interpolated (fewer than two, or not monotonic).
    public init(calibration: ThresholdCalibration, maximumEvidence: Double = 8) throws {
        let points = calibration.thresholds.compactMap { key, value in
            FMRTarget(key).map { Point(threshold: Double(value), rate: $0.rate) }
        }
        try self.init(points: points, maximumEvidence: maximumEvidence)
    }

    /// The score at which the FMR is `rate`: the inverse of ``evidence(_:)`` before
    /// clamping, so beyond the strictest calibrated point it is an extrapolation along the
    /// last segment (say so wherever it is used).
    public func threshold(forRate rate: Double) -> Double {
        let e = -log10(max(rate, .leastNormalMagnitude))
        var i = 0
        while i < points.count - 2 && e > -log10(points[i + 1].rate) { i += 1 }
        let a = points[i], b = points[i + 1]
        let ea = -log10(a.rate), eb = -log10(b.rate)
        return a.threshold + (e - ea) * (b.threshold - a.threshold) / (eb - ea)
    }

    /// Whether `rate` lies within the calibrated points (no extrapolation).
    public func isCalibrated(atRate rate: Double) -> Bool {
        guard let loosest = points.first?.rate, let strictest = points.last?.rate else { return false }
        return rate <= loosest * (1 + 1e-9) && rate >= strictest * (1 - 1e-9)
    }

    /// −log10 FMR(score), clamped to `0…maximumEvidence`.
    public func evidence(_ score: Double) -> Double {
        guard score.isFinite else { return score > 0 ? maximumEvidence : 0 }
        // The segment that contains the score, or the nearest one for extrapolation.
        var i = 0
        while i < points.count - 2 && score > points[i + 1].threshold { i += 1 }
        let a = points[i], b = points[i + 1]
        let ea = -log10(a.rate), eb = -log10(b.rate)
        let e = ea + (score - a.threshold) * (eb - ea) / (b.threshold - a.threshold)
        return min(maximumEvidence, max(0, e))
    }
}

/// Fuses false-match evidence from independent comparisons (a face and each distinct finger)
/// with Fisher's method.
///
/// Under the impostor hypothesis each comparison's FMR estimate *p* is uniform on (0, 1], so
/// T = −Σ ln *p*ᵢ over *k* independent comparisons follows a Gamma(*k*, 1) law and the
/// combined false-match rate is P(Gamma(*k*) ≥ T) = e^−T · Σ_{i<k} Tⁱ / i!. The fused score
/// is −log10 of that rate, so a fused decision at an FMR target compares it with
/// −log10(target): calibrated by construction when the inputs are calibrated and independent,
/// and checked empirically by `biomatch eval fusion`. Several impressions of one finger are
/// not independent: callers pass one evidence per finger position (the best of its samples).
public enum ScoreFusion {
    /// The combined false-match rate of independent evidences (each −log10 FMR).
    public static func combinedFalseMatchRate(_ evidences: [Double]) -> Double {
        guard !evidences.isEmpty else { return 1 }
        let t = evidences.reduce(0) { $0 + max(0, $1) } * M_LN10
        var term = 1.0, sum = 1.0
        for i in 1..<max(1, evidences.count) {
            term *= t / Double(i)
            sum += term
        }
        return min(1, exp(-t) * sum)
    }

    /// The fused score: −log10 of ``combinedFalseMatchRate(_:)``.
    public static func fusedEvidence(_ evidences: [Double]) -> Double {
        guard !evidences.isEmpty else { return 0 }
        let t = evidences.reduce(0) { $0 + max(0, $1) } * M_LN10
        // log of the sum in a stable form: log(e^−t Σ tⁱ/i!) = −t + log Σ.
        var term = 1.0, sum = 1.0
        for i in 1..<max(1, evidences.count) {
            term *= t / Double(i)
            sum += term
        }
        return max(0, (t - log(sum)) / M_LN10)
    }
}
