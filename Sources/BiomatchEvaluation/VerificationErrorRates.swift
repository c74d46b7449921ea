/// ISO/IEC 19795-1 verification error rates from genuine and impostor comparison scores.
///
/// Scores are similarities: a comparison is a match when `score >= threshold`. A pair
/// that could not be compared (a failure to acquire) is passed as `-.infinity`, so it
/// counts as a non-match on either side, as ISO/IEC 19795-1 requires for the
/// "generalised" rates.
///
/// - Complexity: O(n log n) to build; each query is O(log n).
public struct VerificationErrorRates: Sendable {
    /// Genuine (mated) scores, ascending.
    public let genuine: [Float]
    /// Impostor (non-mated) scores, ascending.
    public let impostor: [Float]

    public init(genuine: [Float], impostor: [Float]) {
        self.genuine = genuine.map { $0.isNaN ? -.infinity : $0 }.sorted()
        self.impostor = impostor.map { $0.isNaN ? -.infinity : $0 }.sorted()
    }

    /// Fraction of impostor scores `>= threshold`.
    public func falseMatchRate(at threshold: Float) -> Double {
        guard !impostor.isEmpty else { return 0 }
        return Double(impostor.count - Self.lowerBound(impostor, threshold)) / Double(impostor.count)
    }

    /// Fraction of genuine scores `< threshold`.
    public func falseNonMatchRate(at threshold: Float) -> Double {
        guard !genuine.isEmpty else { return 0 }
        return Double(Self.lowerBound(genuine, threshold)) / Double(genuine.count)
    }

    /// The lowest threshold whose false-match rate on these impostors is at most
    /// `target.rate`: at most ⌊rate·N⌋ impostor scores reach it. For a target of 0 it is
    /// just above the highest impostor score.
    public func threshold(for target: FMRTarget) -> Float {
        guard !impostor.isEmpty else { return -.infinity }
        let allowed = Int((target.rate * Double(impostor.count)).rounded(.down))
        if allowed >= impostor.count { return -.infinity }
        // Scores at or above the threshold must number ≤ allowed.
        let pivot = impostor[impostor.count - 1 - allowed]
        return pivot.nextUp
    }

    /// FNMR at the threshold calibrated for `target` on these impostors.
    public func falseNonMatchRate(at target: FMRTarget) -> Double {
        falseNonMatchRate(at: threshold(for: target))
    }

    /// The equal error rate: where FMR and FNMR cross, linearly interpolated between
    /// the two candidate thresholds that straddle the crossing.
    public var equalErrorRate: Double {
        guard !genuine.isEmpty, !impostor.isEmpty else { return 0 }
        var candidates = Array(Set(genuine + impostor)).filter { $0.isFinite }.sorted()
        candidates.append(Float.infinity)
        var previous: (fmr: Double, fnmr: Double)? = nil
        for t in candidates {
            let fmr = falseMatchRate(at: t), fnmr = falseNonMatchRate(at: t)
            if fnmr >= fmr {
                guard let p = previous else { return (fmr + fnmr) / 2 }
                // Interpolate the crossing of the two straight segments.
                let d0 = p.fmr - p.fnmr, d1 = fmr - fnmr
                let w = d0 == d1 ? 0.5 : d0 / (d0 - d1)
                let e1 = p.fmr + w * (fmr - p.fmr)
                let e2 = p.fnmr + w * (fnmr - p.fnmr)
                return (e1 + e2) / 2
            }
            previous = (fmr, fnmr)
        }
        return 1
    }

    /// Index of the first element `>= value` in an ascending array.
    static func lowerBound(_ values: [Float], _ value: Float) -> Int {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
