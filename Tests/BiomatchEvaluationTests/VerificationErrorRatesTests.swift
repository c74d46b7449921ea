import BiomatchEvaluation
import Testing

@Suite struct VerificationErrorRatesTests {
    @Test func separatedDistributionsHaveZeroEER() {
        let rates = VerificationErrorRates(genuine: [0.8, 0.9, 0.95], impostor: [0.1, 0.2, 0.3])
        #expect(rates.equalErrorRate == 0)
        #expect(rates.falseNonMatchRate(at: FMRTarget.oneInThousand) == 0)
    }

    @Test func identicalDistributionsHaveEERNearHalf() {
        let scores: [Float] = (0..<100).map { Float($0) / 100 }
        let rates = VerificationErrorRates(genuine: scores, impostor: scores)
        #expect(abs(rates.equalErrorRate - 0.5) < 0.02)
    }

    @Test func knownOverlapGivesKnownRates() {
        // Genuine 0.4…0.9, impostor 0.0…0.5: at t = 0.45, FMR = 1/6, FNMR = 1/6.
        let genuine: [Float] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        let impostor: [Float] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
        let rates = VerificationErrorRates(genuine: genuine, impostor: impostor)
        #expect(abs(rates.falseMatchRate(at: 0.45) - 1.0 / 6) < 1e-9)
        #expect(abs(rates.falseNonMatchRate(at: 0.45) - 1.0 / 6) < 1e-9)
        #expect(abs(rates.equalErrorRate - 1.0 / 6) < 0.05)
    }

    @Test func thresholdForFMRAllowsAtMostTheTargetFraction() throws {
        let impostor: [Float] = (0..<10_000).map { Float($0) / 10_000 }
        let rates = VerificationErrorRates(genuine: [1], impostor: impostor)
        for target in FMRTarget.standard {
            let t = rates.threshold(for: target)
            #expect(rates.falseMatchRate(at: t) <= target.rate)
            // One step lower would exceed it (the threshold is the lowest that meets it).
            #expect(rates.falseMatchRate(at: t.nextDown.nextDown) > target.rate || target.rate * 10_000 < 1)
        }
        let zero = try #require(FMRTarget(rate: 0))
        #expect(rates.falseMatchRate(at: rates.threshold(for: zero)) == 0)
    }

    @Test func failedComparisonsCountAsNonMatches() {
        let rates = VerificationErrorRates(genuine: [0.9, -.infinity], impostor: [0.1, -.infinity])
        #expect(rates.falseNonMatchRate(at: 0.5) == 0.5)
        #expect(rates.falseMatchRate(at: 0.5) == 0)
    }
}
