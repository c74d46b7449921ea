import BiomatchEvaluation
@testable import BiomatchFace
import Foundation
import Testing

/// End-to-end tests on registry-packaged photos (Models/samples, fetched by the scripts).
@Suite struct FacePipelineTests {
    @Test func modelsAreVerifiedAndCalibrated() throws {
        let models = try Fixtures.faceModels()
        #expect(models.recognizerInfo.embeddingDimension == 128)
        let calibration = try #require(models.recognizerInfo.calibration)
        for target in FMRTarget.standard { #expect(calibration.threshold(for: target) != nil) }
        #expect(calibration.isSupported(.oneInTenThousand))
    }

    @Test func tamperedModelIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("biomatch-tamper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["manifest.json", "face_detection_yunet_2023mar_fp32.onnx"] {
            try FileManager.default.copyItem(at: Fixtures.models.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try Data("not a model".utf8).write(to: dir.appendingPathComponent("face_recognition_sface_2021dec_fp32.onnx"))
        expectFaceError(.modelIntegrity) { try FaceModels(directory: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("face_recognition_sface_2021dec_fp32.onnx"))
        expectFaceError(.modelMissing) { try FaceModels(directory: dir) }
    }

    @Test func oneFaceGivesAGoodTemplate() throws {
        let pipeline = try Fixtures.pipeline()
        let capture = try pipeline.capture(in: Fixtures.sample("astronaut.png"))
        #expect(capture.face.confidence > 0.8)
        #expect(capture.template.dimension == 128)
        #expect(capture.quality.score >= 60, "quality \(capture.quality)")
        #expect(capture.quality.reasons.isEmpty, "\(capture.quality.reasons)")
        // The box lies inside the 512×512 photo, around the face in the upper middle.
        #expect(capture.face.box.x > 100 && capture.face.box.x + capture.face.box.width < 400)
    }

    @Test func multiFaceImagesGiveEveryFaceOnRequest() throws {
        let pipeline = try Fixtures.pipeline()
        // Two photos side by side: the astronaut (512×512) and messi5 (548×342).
        let left = try Fixtures.sample("astronaut.png"), right = try Fixtures.sample("messi5.jpg")
        let height = max(left.height, right.height), width = left.width + right.width
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for (image, x0) in [(left, 0), (right, left.width)] {
            let p = image.bgrPixels()
            for y in 0..<image.height {
                pixels.replaceSubrange((y * width + x0) * 3..<(y * width + x0 + image.width) * 3,
                                       with: p[y * image.width * 3..<(y + 1) * image.width * 3])
            }
        }
        let image = try DecodedImage(pixels: pixels, width: width, height: height, channels: 3)
        let all = try pipeline.captureAll(in: image)
        #expect(all.count >= 2, "found \(all.count)")
        #expect(all.contains { $0.face.box.x < Double(left.width) } && all.contains { $0.face.box.x > Double(left.width) })
        let primary = try pipeline.capture(in: image)
        #expect(primary.face == all[0].face)
        // Primary = largest box × confidence.
        for other in all.dropFirst() {
            #expect(primary.face.box.area * primary.face.confidence >= other.face.box.area * other.face.confidence)
        }
    }

    @Test func sameFaceMatchesAcrossResizingAndMirroring() throws {
        let pipeline = try Fixtures.pipeline()
        let comparator = try FaceComparator(models: Fixtures.faceModels())
        let original = try Fixtures.sample("astronaut.png")
        let smaller = try original.resized(width: 300, height: 300)
        let mirrored = try original.flippedHorizontally()
        let brighter = try Pixels.map(original) { UInt8(min(255, Int($0) * 5 / 4 + 10)) }
        let probe = try pipeline.capture(in: original).template
        for (name, variant) in [("smaller", smaller), ("mirrored", mirrored), ("brighter", brighter)] {
            let decision = try comparator.decide(probe, pipeline.capture(in: variant).template, at: .oneInHundredThousand)
            #expect(decision.isMatch, "\(name): score \(decision.score) < \(decision.threshold)")
        }
    }

    @Test func differentPeopleDoNotMatch() throws {
        let pipeline = try Fixtures.pipeline()
        let comparator = try FaceComparator(models: Fixtures.faceModels())
        let astronaut = try pipeline.capture(in: Fixtures.sample("astronaut.png")).template
        for other in try pipeline.captureAll(in: Fixtures.sample("messi5.jpg")) {
            let decision = try comparator.decide(astronaut, other.template, at: .oneInHundred)
            #expect(!decision.isMatch, "score \(decision.score) ≥ \(decision.threshold)")
        }
    }

    @Test func templateSurvivesSerialisationThroughThePipeline() throws {
        let pipeline = try Fixtures.pipeline()
        let t = try pipeline.capture(in: Fixtures.sample("astronaut.png")).template
        #expect(try FaceTemplate(serialized: t.serialized()) == t)
    }

    @Test func rotatedFaceIsStillFound() throws {
        let pipeline = try Fixtures.pipeline()
        let original = try Fixtures.sample("astronaut.png")
        // Quarter turn: the face lies on its side.
        let t = SimilarityTransform(a: 0, b: 1, tx: 512, ty: 0)
        let rotated = try original.warped(by: t, width: 512, height: 512)
        let comparator = try FaceComparator(models: Fixtures.faceModels())
        let decision = try comparator.decide(pipeline.capture(in: original).template,
                                             pipeline.capture(in: rotated).template, at: .oneInTenThousand)
        #expect(decision.isMatch, "score \(decision.score)")
    }
}
