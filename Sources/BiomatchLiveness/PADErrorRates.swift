/// ISO/IEC 30107-3 error rates of a presentation-attack detector whose score is higher for
/// bona fide presentations: a presentation is classified bona fide when score ≥ threshold.
public struct PADErrorRates: Sendable {
    /// Bona fide scores, ascending.
    public let bonaFide: [Double]
    /// Attack scores by attack type, each ascending.
    public let attacks: [String: [Double]]

    /// Rates over these scores.
    public init(bonaFide: [Double], attacks: [String: [Double]]) {
        self.bonaFide = bonaFide.sorted()
        self.attacks = attacks.mapValues { $0.sorted() }
    }

    /// Share of attacks of `type` classified bona fide at `threshold`.
    public func apcer(_ type: String, at threshold: Double) -> Double {
        guard let s = attacks[type], !s.isEmpty else { return 0 }
        return Double(s.count - lowerBound(s, threshold)) / Double(s.count)
    }

    /// The worst attack type's APCER at `threshold` (the headline figure).
    public func maximumAPCER(at threshold: Double) -> Double {
        attacks.keys.map { apcer($0, at: threshold) }.max() ?? 0
    }

    /// Share of bona fide presentations classified attacks at `threshold`.
    public func bpcer(at threshold: Double) -> Double {
        bonaFide.isEmpty ? 0 : Double(lowerBound(bonaFide, threshold)) / Double(bonaFide.count)
    }

    /// The lowest threshold at which every attack type's APCER is at most `apcer`.
    public func threshold(forAPCER apcer: Double) -> Double {
        var t = -Double.infinity
        for (_, s) in attacks where !s.isEmpty {
            let allowed = Int((apcer * Double(s.count)).rounded(.down))
            if allowed < s.count { t = max(t, s[s.count - 1 - allowed].nextUp) }
        }
        return t
    }

    /// BPCER at the threshold where the worst APCER is 5 % (BPCER20).
    public var bpcer20: Double { bpcer(at: threshold(forAPCER: 0.05)) }

    private func lowerBound(_ s: [Double], _ t: Double) -> Int {
        var lo = 0, hi = s.count
        while lo < hi { let mid = (lo + hi) / 2; if s[mid] < t { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
