@testable import BiomatchEngine
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchStore
import Foundation
import Testing

/// A face + finger probe through the engine, on the registry sample images (they run anywhere).
@Suite struct EngineFusionTests {
    static let samples = RealData.root.appendingPathComponent("Models/samples")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: samples.appendingPathComponent(name)))
    }

    @Test func faceAndFingerAreFusedIntoOneCalibratedDecision() async throws {
        let models = try RealData.models.get()
        let pipeline = FacePipeline(models: models)
        let f = try EngineFixture(pipeline: pipeline, comparator: try FaceComparator(models: models))
        _ = try await f.engine.enroll(faceImage: try Self.bytes("astronaut.png"), subjectID: "astronaut")
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p1_1.png"), position: .rightIndex, subjectID: "astronaut")
        _ = try await f.engine.enroll(faceImage: try Self.bytes("messi5.jpg"), subjectID: "messi")

        let extractor = MinutiaeExtractor()
        func finger(_ name: String) throws -> FingerprintTemplate {
            try extractor.extract(try FingerprintImage(bytes: try Self.bytes(name), dpi: 500, name: name))
        }
        let face = try pipeline.capture(in: try DecodedImage(bytes: try Self.bytes("astronaut.png"))).template
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let probe = try f.terminal.frame([.face(face, purpose: .verify, transaction: tx),
                                          try .finger(try finger("finger/p1_2.png"), position: .rightIndex, purpose: .verify, transaction: tx)])
        let decision = try await f.engine.verify(probe, claimedSubject: "astronaut", tier: "low")
        #expect(decision.rule == .fused && decision.modalityScores.count == 2 && decision.isMatch)
        #expect(abs(decision.threshold - 3) < 1e-9, "−log10(1e-3)")
        #expect(decision.score >= max(decision.modalityScores[0].evidence, decision.modalityScores[1].evidence) - 1e-9)

        // The other finger, claimed as the astronaut's: the finger comparison carries no
        // evidence and the fused score is lower than the face's alone.
        let tx2 = BiometricTransaction.fresh(at: f.clock.date)
        let mixed = try f.terminal.frame([.face(face, purpose: .verify, transaction: tx2),
                                          try .finger(try finger("finger/p2_1.png"), position: .rightIndex, purpose: .verify, transaction: tx2)])
        let weaker = try await f.engine.verify(mixed, claimedSubject: "astronaut", tier: "low")
        let fingerEvidence = weaker.modalityScores.first { $0.modality == .finger }?.evidence ?? -1
        #expect(fingerEvidence < decision.modalityScores.first { $0.modality == .finger }?.evidence ?? 0)
        #expect(weaker.score < decision.score)

        // Messi has no finger reference: a finger probe against him is refused, not matched.
        let tx3 = BiometricTransaction.fresh(at: f.clock.date)
        let noFinger = try f.terminal.frame([try .finger(try finger("finger/p1_2.png"), position: .rightIndex, purpose: .verify, transaction: tx3)])
        await expectRefusal(.noActiveReference) { try await f.engine.verify(noFinger, claimedSubject: "messi", tier: "low") }
        #expect(try f.store.verifyAudit().valid)
    }
}
