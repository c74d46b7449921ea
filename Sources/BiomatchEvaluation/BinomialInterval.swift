import Foundation

/// An observed error rate with its exact (Clopper–Pearson) confidence interval: what an
/// FPIR or FNIR measured on a finite number of searches can and cannot show.
public struct BinomialInterval: Sendable, Hashable, Codable {
    /// Errors observed.
    public let errors: Int
    /// Trials.
    public let trials: Int
    /// errors / trials (0 for no trials).
    public let rate: Double
    /// Lower end of the interval.
    public let lower: Double
    /// Upper end of the interval: with no error observed, the rate the trials rule out.
    public let upper: Double
    /// The confidence level (0.95).
    public let confidence: Double

    /// The two-sided Clopper–Pearson interval of `errors` in `trials` at `confidence`.
    public init(errors: Int, trials: Int, confidence: Double = 0.95) {
        self.errors = max(0, min(errors, trials))
        self.trials = max(0, trials)
        self.confidence = confidence
        let k = self.errors, n = self.trials
        rate = n > 0 ? Double(k) / Double(n) : 0
        let alpha = 1 - confidence
        guard n > 0 else {
            lower = 0
            upper = 1
            return
        }
        // lower: P(X ≥ k | p) = α/2; upper: P(X ≤ k | p) = α/2, each found by bisection.
        lower = k == 0 ? 0 : Self.solve { p in 1 - Self.cdf(k - 1, n, p) >= alpha / 2 }
        upper = k == n ? 1 : Self.solve { p in Self.cdf(k, n, p) <= alpha / 2 }
    }

    /// The smallest p in [0, 1] for which `holds` is true (it turns true once and stays).
    private static func solve(_ holds: (Double) -> Bool) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if holds(mid) { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
    static func cdf(_ k: Int, _ n: Int, _ p: Double) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        if p <= 0 { return 1 }
        if p >= 1 { return 0 }
        let lp = log(p), lq = log1p(-p)
        var sum = 0.0
        for i in 0...k {
            let logTerm = lgamma(Double(n) + 1) - lgamma(Double(i) + 1) - lgamma(Double(n - i) + 1) + Double(i) * lp + Double(n - i) * lq
            sum += exp(logTerm)
        }
        return min(1, sum)
    }
}
