import BiomatchEvaluation
import Foundation
import Testing

@Suite struct ThresholdCalibrationTests {
    @Test func targetsParseAndPrintTheirKeys() throws {
        #expect(try #require(FMRTarget("1e-3")).key == "1e-3")
        #expect(try #require(FMRTarget("0.0001")).key == "1e-4")
        #expect(try #require(FMRTarget("0")).key == "0")
        #expect(FMRTarget("1.5") == nil)
        #expect(FMRTarget("-1e-3") == nil)
        #expect(FMRTarget("abc") == nil)
    }

    @Test func calibrationRecordsThresholdsAndSupport() throws {
        let impostor: [Float] = (0..<20_000).map { Float($0) / 20_000 }
        let calibration = ThresholdCalibration(
            rates: VerificationErrorRates(genuine: [1], impostor: impostor), dataset: "uniform")
        #expect(calibration.impostorComparisons == 20_000)
        #expect(calibration.isSupported(.oneInThousand))
        #expect(!calibration.isSupported(.oneInHundredThousand))  // needs ≥ 300,000
        let t3 = try #require(calibration.threshold(for: .oneInThousand))
        let t4 = try #require(calibration.threshold(for: .oneInTenThousand))
        #expect(t4 > t3)
        // Round-trips through JSON as the manifest stores it.
        let data = try JSONEncoder().encode(calibration)
        #expect(try JSONDecoder().decode(ThresholdCalibration.self, from: data) == calibration)
    }
}
