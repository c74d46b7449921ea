/// Decision thresholds calibrated to FMR targets from an impostor score distribution,
/// with the provenance a reviewer needs: which data, how many impostor comparisons,
/// which method.
///
/// A threshold for FMR target *r* estimated from *N* impostor scores is only
/// meaningful when *N·r* is well above 1; ``isSupported(_:)`` applies the "rule of 3"
/// (ISO/IEC 19795-1 Annex B): at least 3/r impostor comparisons.
public struct ThresholdCalibration: Sendable, Codable, Equatable {
    /// What data produced the impostor scores.
    public var dataset: String
    /// How the thresholds were derived.
    public var method: String
    /// Number of impostor comparisons.
    public var impostorComparisons: Int
    /// Threshold per FMR key (`"1e-3"` → cosine score).
    public var thresholds: [String: Float]

    public init(dataset: String, method: String, impostorComparisons: Int, thresholds: [String: Float]) {
        self.dataset = dataset
        self.method = method
        self.impostorComparisons = impostorComparisons
        self.thresholds = thresholds
    }

    /// Calibrates every target of `targets` from `rates`' impostor scores.
    public init(rates: VerificationErrorRates, targets: [FMRTarget] = FMRTarget.standard, dataset: String) {
        var thresholds: [String: Float] = [:]
        for target in targets { thresholds[target.key] = rates.threshold(for: target) }
        self.init(
            dataset: dataset,
            method: "empirical impostor quantile: lowest threshold t with #{impostor ≥ t} ≤ ⌊FMR·N⌋",
            impostorComparisons: rates.impostor.count,
            thresholds: thresholds)
    }

    /// The threshold for `target`, if calibrated.
    public func threshold(for target: FMRTarget) -> Float? { thresholds[target.key] }

    /// Whether enough impostor comparisons back `target` (N ≥ 3/r).
    public func isSupported(_ target: FMRTarget) -> Bool {
        target.rate > 0 && Double(impostorComparisons) >= 3 / target.rate
    }
}
