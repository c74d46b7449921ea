@testable import BiomatchEngine
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import Foundation
import Testing

/// Liveness decided by the engine on the capture a probe carries (ISO/IEC 19794-5 face and
/// 19794-4 finger image records), with the committed PAD models.
@Suite struct EngineSideLivenessTests {
    static let nuaa = RealData.root.deletingLastPathComponent().appendingPathComponent("shared/data/pad/nuaa")
    static let livdet = RealData.root.deletingLastPathComponent().appendingPathComponent("shared/data/pad/livdet2017-sample")
    static var hasNUAA: Bool { FileManager.default.fileExists(atPath: nuaa.path) }
    static var hasLivDet: Bool { FileManager.default.fileExists(atPath: livdet.path) }

    static func fixture() throws -> EngineFixture {
        let models = try RealData.models.get()
        let assessor = try LivenessAssessor(pipeline: FacePipeline(models: models), modelsDirectory: RealData.root.appendingPathComponent("Models"))
        return try EngineFixture(pipeline: FacePipeline(models: models), comparator: try FaceComparator(models: models), livenessAssessor: assessor)
    }

    static func faceProbe(_ f: EngineFixture, _ url: URL, terminalScore: Double? = nil, payment: PaymentContext? = nil) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: url))
        let record = try FaceImageRecord(image: try DecodedImage(bytes: bytes), originalBytes: bytes)
        return try f.terminal.frame([.faceImage(record, purpose: .verify, transaction: .fresh(at: f.clock.date),
                                                liveness: terminalScore.map { [LivenessScore(check: .passiveFace, score: $0)] }, payment: payment)])
    }

    /// Acceptance 3: at tier standard, a printed photo the engine's PAD scores as an attack is
    /// refused although the terminal attached a score of 1.0; a live capture of the same
    /// subject passes.
    @Test(.enabled(if: hasNUAA, "../shared/data/pad/nuaa is absent"))
    func aPrintedPhotoIsRefusedWhateverTheTerminalSaysAndALiveCapturePasses() async throws {
        let f = try Self.fixture()
        let live = Self.nuaa.appendingPathComponent("ClientRaw/0007")
        _ = try await f.engine.enroll(faceImage: [UInt8](try Data(contentsOf: live.appendingPathComponent("0007_00_00_01_0.jpg"))), subjectID: "0007")
        let payment = try PaymentContext(amount: 50_000, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1")   // tier standard
        let print = Self.nuaa.appendingPathComponent("ImposterRaw/0007/0007_01_00_01_0.jpg")
        let refused = await expectRefusal(.livenessFailed) {
            try await f.engine.verify(try Self.faceProbe(f, print, terminalScore: 1.0, payment: payment), claimedSubject: "0007", payment: payment)
        }
        #expect(refused?.message.contains("passive-face") == true)
        // The same print sent as a template with the terminal's 1.0: the engine has no capture to judge.
        let template = try FacePipeline(models: try RealData.models.get()).capture(in: try DecodedImage(contentsOf: print)).template
        await expectRefusal(.livenessRequired) {
            try await f.engine.verify(try f.terminal.frame([.face(template, purpose: .verify, transaction: .fresh(at: f.clock.date),
                                                                  liveness: [LivenessScore(check: .passiveFace, score: 1)], payment: payment)]),
                                      claimedSubject: "0007", payment: payment)
        }
        let decision = try await f.engine.verify(try Self.faceProbe(f, live.appendingPathComponent("0007_00_00_01_112.jpg"), payment: payment),
                                                 claimedSubject: "0007", payment: payment)
        #expect(decision.isMatch && decision.tier == "standard")
        #expect(decision.liveness?.isBonaFide == true && decision.liveness?.checksRun == [.passiveFace])
        #expect(decision.liveness?.checks.first?.detail.contains("advisory") == false, "the engine's own score decided")
    }

    /// The face capture round-trips through its record and gives the same template as the image.
    @Test func aFaceCaptureIsExtractedByTheEngineAtTierLow() async throws {
        let f = try Self.fixture()
        let astronaut = RealData.root.appendingPathComponent("Models/samples/astronaut.png")
        _ = try await f.engine.enroll(faceImage: [UInt8](try Data(contentsOf: astronaut)), subjectID: "astronaut")
        _ = try await f.engine.enroll(faceImage: [UInt8](try Data(contentsOf: RealData.root.appendingPathComponent("Models/samples/messi5.jpg"))), subjectID: "messi")
        let genuine = try await f.engine.verify(try Self.faceProbe(f, astronaut), claimedSubject: "astronaut", tier: "low")
        #expect(genuine.isMatch && genuine.liveness == nil, "tier low runs no liveness check")
        let impostor = try await f.engine.verify(try Self.faceProbe(f, astronaut), claimedSubject: "messi", tier: "low")
        #expect(!impostor.isMatch)
        // A capture record and a face template in one probe are two faces.
        let template = try FacePipeline(models: try RealData.models.get()).capture(in: try DecodedImage(contentsOf: astronaut)).template
        let bytes = [UInt8](try Data(contentsOf: astronaut))
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let both = try f.terminal.frame([.faceImage(try FaceImageRecord(image: try DecodedImage(bytes: bytes)), purpose: .verify, transaction: tx),
                                         .face(template, purpose: .verify, transaction: tx)])
        await expectRefusal(.unsupportedObject) { try await f.engine.verify(both, claimedSubject: "astronaut", tier: "low") }
        // A corrupt capture record is a typed refusal.
        var record = try FaceImageRecord(image: try DecodedImage(bytes: bytes)).encoded()
        record[9] ^= 0x40
        let broken = try f.terminal.frame([BiometricObject(header: BiometricHeader(dataType: .raw, purpose: .verify, format: .isoFaceImage,
                                                                                   transaction: .fresh(at: f.clock.date)), data: record)])
        await expectRefusal(.invalidTemplate) { try await f.engine.verify(broken, claimedSubject: "astronaut", tier: "low") }
    }

    /// Fingerprint PAD on the finger capture: a spoof of the enrolled finger is refused at tier
    /// standard whatever the terminal says; the live finger passes.
    @Test(.enabled(if: hasLivDet, "../shared/data/pad/livdet2017-sample is absent"))
    func aFingerSpoofIsRefusedOnItsCaptureAndTheLiveFingerPasses() async throws {
        let f = try Self.fixture()
        func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: Self.livdet.appendingPathComponent(name))) }
        _ = try await f.engine.enroll(fingerImage: try bytes("live_flat_index_left.png"), position: .leftIndex, subjectID: "f")
        func probe(_ name: String, terminalScore: Double? = nil) throws -> [UInt8] {
            let record = try FingerImageRecord(imageFile: try bytes(name), dpi: 500, position: .leftIndex)
            return try f.terminal.frame([.fingerImage(record, purpose: .verify, transaction: .fresh(at: f.clock.date),
                                                      liveness: terminalScore.map { [LivenessScore(check: .fingerprint, score: $0)] })])
        }
        await expectRefusal(.livenessFailed) { try await f.engine.verify(try probe("ecoflex_flat_index_left.png", terminalScore: 1), claimedSubject: "f", tier: "standard") }
        let decision = try await f.engine.verify(try probe("live_flat_index_left_en2.png"), claimedSubject: "f", tier: "standard")
        #expect(decision.liveness?.checksRun == [.fingerprint] && decision.liveness?.isBonaFide == true)
        // A finger template with a terminal's score does not meet the tier.
        let template = try MinutiaeExtractor().extract(try FingerprintImage(bytes: try bytes("live_flat_index_left_en2.png"), dpi: 500))
        await expectRefusal(.livenessRequired) {
            try await f.engine.verify(try f.terminal.frame([try .finger(template, position: .leftIndex, purpose: .verify, transaction: .fresh(at: f.clock.date),
                                                                        liveness: [LivenessScore(check: .fingerprint, score: 1)])]),
                                      claimedSubject: "f", tier: "standard")
        }
    }
}
