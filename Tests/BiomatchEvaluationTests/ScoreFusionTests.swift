import BiomatchEvaluation
import Foundation
import Testing

@Suite struct ScoreFusionTests {
    @Test func oneEvidenceIsItselfAndFisherMatchesItsClosedForm() {
        #expect(abs(ScoreFusion.fusedEvidence([3]) - 3) < 1e-9)
        // k = 2: P = e^−T (1 + T), T = (2 + 3) ln 10.
        let t = 5 * log(10.0)
        #expect(abs(ScoreFusion.combinedFalseMatchRate([2, 3]) - exp(-t) * (1 + t)) < 1e-15)
        #expect(abs(ScoreFusion.fusedEvidence([2, 3]) + log10(exp(-t) * (1 + t))) < 1e-9)
        // Adding a comparison with no evidence lowers the fused score; adding evidence raises it.
        #expect(ScoreFusion.fusedEvidence([3, 0]) < 3)
        #expect(ScoreFusion.fusedEvidence([3, 2]) > 3)
        #expect(ScoreFusion.combinedFalseMatchRate([]) == 1)
    }

    /// Calibration by construction: under independent uniform p-values, the fused rule's
    /// false-match rate at a target equals the target.
    @Test func fusedDecisionsHoldTheirTargetOnSimulatedImpostors() {
        var rng = SystemRandomNumberGenerator()
        let n = 200_000
        var accepted = 0
        for _ in 0..<n {
            let e = [-log10(Double.random(in: Double.leastNonzeroMagnitude...1, using: &rng)),
                     -log10(Double.random(in: Double.leastNonzeroMagnitude...1, using: &rng))]
            if ScoreFusion.fusedEvidence(e) >= 2 { accepted += 1 }  // target 1e-2
        }
        let rate = Double(accepted) / Double(n)
        #expect(abs(rate - 0.01) < 0.0015, "simulated fused FMR \(rate) at target 1e-2")
    }

    @Test func normalizerInterpolatesInLogFMRAndClamps() throws {
        let n = try ScoreNormalizer(points: [.init(threshold: 0.3, rate: 1e-2), .init(threshold: 0.4, rate: 1e-3), .init(threshold: 0.45, rate: 1e-4)],
                                    maximumEvidence: 6)
        #expect(abs(n.evidence(0.3) - 2) < 1e-9)
        #expect(abs(n.evidence(0.35) - 2.5) < 1e-9)
        #expect(abs(n.evidence(0.45) - 4) < 1e-9)
        #expect(n.evidence(-1) == 0)
        #expect(n.evidence(0.9) == 6)
        #expect(abs(n.evidence(0.2) - 1) < 1e-9, "extrapolated with the first segment's slope")
        // The inverse: calibrated points, interpolation, and extrapolation past the strictest.
        #expect(abs(n.threshold(forRate: 1e-3) - 0.4) < 1e-9)
        #expect(abs(n.threshold(forRate: pow(10, -2.5)) - 0.35) < 1e-9)
        #expect(abs(n.threshold(forRate: 1e-6) - 0.55) < 1e-9)
        #expect(n.isCalibrated(atRate: 1e-3) && !n.isCalibrated(atRate: 1e-6) && !n.isCalibrated(atRate: 0.5))
        #expect(throws: EvaluationError.self) { _ = try ScoreNormalizer(points: [.init(threshold: 0.3, rate: 1e-2)]) }
        #expect(throws: EvaluationError.self) {
            _ = try ScoreNormalizer(points: [.init(threshold: 0.3, rate: 1e-3), .init(threshold: 0.4, rate: 1e-2)])
        }
    }
}
