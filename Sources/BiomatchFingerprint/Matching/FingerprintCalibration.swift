extension FingerprintMatcher {
    /// A similarity threshold calibrated for a false-match-rate target.
    public struct CalibratedThreshold: Sendable, Hashable {
        /// The FMR target, as a key ("1e-2", "1e-3", "1e-4").
        public let label: String
        /// The target rate.
        public let rate: Double
        /// Scores at or above it match.
        public let threshold: Double
    }

    /// Thresholds calibrated on impostor scores; see ``calibrationSource``. Rerun
    /// `Scripts/calibrate_finger.sh` after any change to extraction or matching.
    public static let calibration: [CalibratedThreshold] = [
        CalibratedThreshold(label: "1e-2", rate: 1e-2, threshold: 0.007707),
        CalibratedThreshold(label: "1e-3", rate: 1e-3, threshold: 0.009613),
        CalibratedThreshold(label: "1e-4", rate: 1e-4, threshold: 0.011324),
    ]

    /// How ``calibration`` was obtained.
    public static let calibrationSource = """
        Scripts/calibrate_finger.sh on FVC2002 DB1_B–DB4_B: 11,520 impostor comparisons \
        (every cross-finger pair of each set). 1e-4 rests on a single impostor score above it; \
        treat it as indicative until calibrated on a larger set.
        """
}
