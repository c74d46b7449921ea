@testable import BiomatchEvaluation
import Foundation
import Testing

@Suite struct ImpostorTailModelTests {
    /// Scores drawn from a known distribution: a body, and above its 99th percentile a GPD
    /// with shape −0.1 and scale 0.02.
    static func sample(_ n: Int, seed: UInt64) -> [Double] {
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        return (0..<n).map { _ in
            let u = uniform()
            if u < 0.99 { return 0.3 * u / 0.99 }                  // body below 0.3
            let v = (u - 0.99) / 0.01                             // tail: GPD quantile
            return 0.3 + 0.02 / -0.1 * (pow(1 - v, 0.1) - 1)
        }
    }

    @Test func recoversAKnownTailAndHoldsOnHeldOutScores() throws {
        var model = try ImpostorTailModel(fitting: Self.sample(400_000, seed: 1), fittedOn: "synthetic")
        #expect(abs(model.shape - -0.1) < 0.05 && abs(model.scale - 0.02) < 0.003 && abs(model.threshold - 0.3) < 0.002)
        // The true score at FMR 1e-5: 0.3 + 0.02/−0.1 · ((1e-5/1e-2)^0.1 − 1).
        let truth = 0.3 + 0.02 / -0.1 * (pow(1e-3, 0.1) - 1)
        #expect(abs(model.threshold(forRate: 1e-5) - truth) < 0.01)
        #expect(abs(model.rate(at: model.threshold(forRate: 1e-4)) - 1e-4) < 1e-9)
        model.validate(on: Self.sample(400_000, seed: 2), description: "held out")
        #expect(model.validation.map(\.rate) == [1e-2, 1e-3, 1e-4, 1e-5])
        #expect(model.validatedRate == 1e-5 && model.usableRange?.lowerBound ?? 1 < 1.1e-7)
        // A model fitted on a lighter tail than the held-out scores have does not hold.
        var light = try ImpostorTailModel(fitting: Self.sample(400_000, seed: 3).map { $0 * 0.9 }, fittedOn: "shrunk")
        light.validate(on: Self.sample(100_000, seed: 4), description: "held out")
        #expect(light.validatedRate == nil && light.usableRange == nil)
        #expect(throws: EvaluationError.self) { _ = try ImpostorTailModel(fitting: [0.1, 0.2], fittedOn: "too few") }
    }
}
