import BiomatchEvaluation
@testable import BiomatchFace
import Testing

@Suite struct FaceComparatorTests {
    let calibration = ThresholdCalibration(
        dataset: "test", method: "fixed", impostorComparisons: 1_000_000,
        thresholds: ["1e-2": 0.30, "1e-3": 0.40, "1e-4": 0.50, "1e-5": 0.60])

    func template(_ values: [Float], model: String = "m", version: String = "1") throws -> FaceTemplate {
        try FaceTemplate(embedding: values, modelID: model, modelVersion: version, quality: 90,
                         capture: CaptureMetadata(imageWidth: 1, imageHeight: 1, faceBox: Rectangle(x: 0, y: 0, width: 1, height: 1),
                                                  detectorConfidence: 1, capturedAtMilliseconds: 0))
    }

    @Test func decisionsUseTheCalibratedThresholdForTheTarget() throws {
        let comparator = FaceComparator(calibration: calibration, modelID: "m")
        // cos = 0.45: a match at FMR 1e-3 (threshold 0.40), not at 1e-4 (0.50).
        let a = try template([1, 0]), b = try template([0.45, (1 - 0.45 * 0.45).squareRoot()])
        let loose = try comparator.decide(a, b, at: .oneInThousand)
        let strict = try comparator.decide(a, b, at: .oneInTenThousand)
        #expect(loose.isMatch && !strict.isMatch)
        #expect(loose.threshold == 0.40 && strict.threshold == 0.50)
        #expect(abs(loose.score - 0.45) < 1e-5)
        #expect(loose.fmrTarget == "1e-3")
    }

    @Test func uncalibratedTargetsAreRefused() throws {
        let comparator = FaceComparator(calibration: calibration, modelID: "m")
        let a = try template([1, 0])
        let target = try #require(FMRTarget(rate: 0.05))
        expectFaceError(.uncalibratedTarget) { try comparator.decide(a, a, at: target) }
    }

    @Test func templatesOfDifferentModelsDoNotCompare() throws {
        let comparator = FaceComparator(calibration: calibration, modelID: "m")
        let a = try template([1, 0]), other = try template([1, 0], model: "other")
        let otherVersion = try template([1, 0], version: "2"), longer = try template([1, 0, 0])
        expectFaceError(.incompatibleTemplates) { try comparator.score(a, other) }
        expectFaceError(.incompatibleTemplates) { try comparator.score(a, otherVersion) }
        expectFaceError(.incompatibleTemplates) { try comparator.score(a, longer) }
        expectFaceError(.incompatibleTemplates) { try comparator.decide(other, other, at: .oneInHundred) }
    }
}
