import BiomatchKernels

/// Decision thresholds for open-set identification, calibrated to false-positive
/// identification rates (FPIR, ISO/IEC 19795-1) on one gallery at its current size.
///
/// FPIR is the fraction of searches by people who are *not* enrolled that return any
/// candidate. It grows with the gallery (roughly 1 − (1 − FMR)ᴺ), so a 1:1 threshold
/// cannot be reused: the thresholds here come from searching the gallery itself with
/// non-mated probes and taking the quantile of their best scores.
public struct FPIRCalibration: Sendable, Codable, Equatable {
    /// Gallery size when calibrated.
    public var gallerySize: Int
    /// Number of non-mated searches.
    public var nonMatedSearches: Int
    /// Threshold per FPIR key (`"1e-2"`): the lowest score at which at most ⌊FPIR·M⌋
    /// of the M non-mated searches return a candidate.
    public var thresholds: [String: Float]

    /// Searches `gallery` with every non-mated probe and derives a threshold per target.
    ///
    /// - Throws: ``GalleryError`` from the searches.
    public init(gallery: any Gallery, nonMatedProbes: [[Float]], targets: [FMRTarget]) throws {
        let best = try gallery.search(batch: nonMatedProbes, k: 1, parameters: .init()).map { $0.first?.score ?? -.infinity }
        // The quantile maths is the FMR one with "best non-mated score" as the impostor score.
        let rates = VerificationErrorRates(genuine: [], impostor: best)
        var thresholds: [String: Float] = [:]
        for target in targets { thresholds[target.key] = rates.threshold(for: target) }
        self.gallerySize = gallery.count
        self.nonMatedSearches = nonMatedProbes.count
        self.thresholds = thresholds
    }

    /// Whether `target` has enough non-mated searches behind it (M ≥ 3/FPIR).
    public func isSupported(_ target: FMRTarget) -> Bool {
        target.rate > 0 && Double(nonMatedSearches) >= 3 / target.rate
    }

    /// Whether the gallery has changed size by more than `tolerance` (default 10 %)
    /// since calibration, so the thresholds should be recalibrated.
    public func isStale(currentSize: Int, tolerance: Double = 0.1) -> Bool {
        abs(Double(currentSize - gallerySize)) > tolerance * Double(max(1, gallerySize))
    }

    /// Open-set identification: the candidates among the best `k` whose score reaches
    /// the threshold for `target` (empty: "not enrolled").
    ///
    /// - Throws: ``GalleryError`` when `target` is not calibrated, or from the search.
    public func identify(_ probe: [Float], in gallery: any Gallery, k: Int, at target: FMRTarget) throws -> [GalleryCandidate] {
        guard let threshold = thresholds[target.key] else {
            throw GalleryError("no FPIR threshold is calibrated for \(target.key); calibrated: \(thresholds.keys.sorted().joined(separator: ", "))")
        }
        return try gallery.search(probe, k: k, parameters: .init()).filter { $0.score >= threshold }
    }
}
