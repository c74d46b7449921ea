@testable import BiomatchEngine
import BiomatchFace
import BiomatchLiveness
import Foundation
import Testing

/// The assessor over the committed PAD models and a real sample frame: every check that
/// ran is in the result, and a flat depth map behind a real-looking face is an attack.
@Suite struct LivenessAssessorTests {
    static let models = RealData.root.appendingPathComponent("Models")

    func assessor() throws -> LivenessAssessor {
        try LivenessAssessor(pipeline: FacePipeline(models: try RealData.models.get()), modelsDirectory: Self.models)
    }

    @Test func aRealFaceInFrontOfAFlatDepthMapIsRefused() throws {
        let assessor = try assessor()
        #expect(assessor.passiveFace?.calibration != nil && assessor.fingerprint?.calibration != nil)
        let frame = try DecodedImage(contentsOf: Self.models.appendingPathComponent("samples/astronaut.png"))
        let passiveOnly = try assessor.faceScores(frame)
        #expect(passiveOnly.map(\.check) == [.passiveFace] && (0...1).contains(passiveOnly[0].score))
        // Registered depth at half resolution: a print held flat 600 mm away.
        let plane = try DepthMap(width: frame.width / 2, height: frame.height / 2,
                                 millimetres: [UInt16](repeating: 600, count: (frame.width / 2) * (frame.height / 2)))
        let scores = try assessor.faceScores(frame, depth: plane)
        let result = assessor.decide(scores, targetAPCER: 0.05)
        #expect(result.checksRun == [.passiveFace, .depth] && !result.isBonaFide && result.fusedScore < 0.5)
        #expect(result.checks.first { $0.check == .depth }?.passed == false)
        // A still frame answers no prompt of a challenge.
        let (challenge, detail) = try assessor.challengeScore(ActiveChallenge(prompts: [.turnLeft, .nod]), frames: [(0, frame), (0.5, frame)])
        #expect(challenge.score == 0 && !detail.passed)
    }

    /// A passive model trained on another feature layout is refused at load, with the fix
    /// named, rather than scoring every face 0 (or worse) at run time.
    @Test func aPassiveModelOfAnotherFeatureLayoutIsRefusedAtLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pad-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func values(_ v: Double) -> String { "[" + Array(repeating: "\(v)", count: 354).joined(separator: ",") + "]" }
        let old = #"{"provenance":"64 × 64 texture only","mean":"# + values(0) + #","scale":"# + values(1) + #","weights":"# + values(0.01) + #","bias":0}"#
        try Data(old.utf8).write(to: directory.appendingPathComponent(LivenessAssessor.passiveFaceModelFile))
        let error = #expect(throws: LivenessError.self) {
            _ = try LivenessAssessor(pipeline: FacePipeline(models: try RealData.models.get()), modelsDirectory: directory)
        }
        #expect(error?.description.contains("pad train") == true)
    }

    @Test func framesWithoutAFaceAndFingerprintsAreHandled() throws {
        let assessor = try assessor()
        let blank = try DecodedImage(pixels: [UInt8](repeating: 200, count: 320 * 240 * 3), width: 320, height: 240, channels: 3)
        #expect(throws: LivenessError.self) { _ = try assessor.faceScores(blank) }
        #expect(throws: LivenessError.self) { _ = try assessor.fingerprintScore(blank) }
        let finger = try DecodedImage(contentsOf: Self.models.appendingPathComponent("samples/finger/p1_1.png"))
        let score = try assessor.fingerprintScore(finger)
        #expect(score.check == .fingerprint && (0...1).contains(score.score))
    }

    /// A raw image on the trusted local path is scored by the engine's own passive PAD (on the
    /// face its capture found); an assessor without a passive model gives no evidence rather
    /// than a failed check.
    @Test func rawImagesAreScoredByTheEnginesPassivePAD() async throws {
        let models = try RealData.models.get()
        let assessor = try assessor()
        var configuration = EngineConfiguration.standard
        configuration.livenessCalibration = assessor.calibration
        let photo = [UInt8](try Data(contentsOf: Self.models.appendingPathComponent("samples/astronaut.png")))
        let f = try EngineFixture(configuration: configuration, pipeline: FacePipeline(models: models),
                                  comparator: try FaceComparator(models: models), livenessAssessor: assessor)
        _ = try await f.engine.enroll(faceImage: photo, subjectID: "astronaut")
        let decision = try await f.engine.verify(faceImage: photo, claimedSubject: "astronaut", tier: "standard")
        #expect(decision.isMatch && decision.liveness?.checksRun == [.passiveFace] && decision.liveness?.isBonaFide == true)

        let noModel = LivenessAssessor(pipeline: FacePipeline(models: models), passiveFace: nil, fingerprint: nil)
        let g = try EngineFixture(configuration: configuration, pipeline: FacePipeline(models: models),
                                  comparator: try FaceComparator(models: models), livenessAssessor: noModel)
        _ = try await g.engine.enroll(faceImage: photo, subjectID: "astronaut")
        let low = try await g.engine.verify(faceImage: photo, claimedSubject: "astronaut", tier: "low")
        #expect(low.isMatch && low.liveness == nil)
        await expectRefusal(.livenessRequired) { try await g.engine.verify(faceImage: photo, claimedSubject: "astronaut", tier: "standard") }
    }
}
