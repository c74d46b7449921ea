import Biomatch
import Foundation
import Testing

// article: face payment begins
import Biomatch

/// The terminal: the payer's face, bound to this payment, sealed under the terminal's keys.
func framePaymentProbe(photo: Data, payment: PaymentContext, pipeline: FacePipeline,
                       macKey: SymmetricKey, encryptionKey: SymmetricKey) throws -> [UInt8] {
    let capture = try pipeline.capture(in: DecodedImage(bytes: [UInt8](photo)))
    let probe = BiometricObject.face(capture.template, purpose: .verify, transaction: .fresh(), payment: payment)
    let protection = Protection.privacyAndIntegrity(try PrivacyProtection(keyName: "t1/enc", key: encryptionKey),
                                                    .mac(keyName: "t1/mac", key: macKey))
    return try BiometricMessage.seal([probe], protection: protection).derEncoded()
}

/// The back end: the probe authorises this payment by this payer, or it does not.
func authorise(_ probe: [UInt8], payer: String, payment: PaymentContext, engine: Engine) async throws -> Bool {
    let decision = try await engine.verify(probe, claimedSubject: payer, payment: payment)
    return decision.isMatch
}
// article: face payment ends

/// The DocC article "Verify a face payment" is this file's code, compiled and run.
@Suite struct FacePaymentArticleTests {
    static let article = ReadmeExampleTests.root.appendingPathComponent("Sources/Biomatch/Biomatch.docc/VerifyAFacePayment.md")

    static func code(in text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.contains("article: face payment begins") }),
              let end = lines.firstIndex(where: { $0.contains("article: face payment ends") }), start < end else { return [] }
        return lines[(start + 1)..<end].filter { !$0.hasPrefix("```") }
    }

    @Test func theArticleIsThisCode() throws {
        let inArticle = Self.code(in: try String(contentsOf: Self.article, encoding: .utf8))
        let here = Self.code(in: try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8))
        #expect(!inArticle.isEmpty && inArticle == here)
    }

    @Test func aFramedProbeAuthorisesItsOwnPaymentOnceAndNoOther() async throws {
        let models = ReadmeExampleTests.models
        guard FileManager.default.fileExists(atPath: models.appendingPathComponent("face_recognition_sface_2021dec_fp32.onnx").path) else {
            Issue.record("the face models are missing; Scripts/test.sh fetches them")
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("article-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let macKey = SymmetricKey(size: .bits256), encryptionKey = SymmetricKey(size: .bits256)
        let engine = try Engine(modelsDirectory: models, store: .sqlite(path: work.appendingPathComponent("s.sqlite").path),
                                key: .key(KeyEncryptionKey.generate()),
                                keys: FramingKeys(macKeys: ["t1/mac": macKey], encryptionKeys: ["t1/enc": encryptionKey]))
        let photo = try Data(contentsOf: models.appendingPathComponent("samples/astronaut.png"))
        _ = try await engine.enroll(faceImage: [UInt8](photo), subjectID: "astronaut")
        let pipeline = FacePipeline(models: try FaceModels(directory: models))
        let payment = try PaymentContext(amount: 100, currency: "CNY", payee: "M1", terminal: "T1", reference: "R-1")
        let probe = try framePaymentProbe(photo: photo, payment: payment, pipeline: pipeline, macKey: macKey, encryptionKey: encryptionKey)
        // Another amount: refused (and the probe is not spent by it).
        let other = try PaymentContext(amount: 500_000, currency: "CNY", payee: "M1", terminal: "T1", reference: "R-1")
        await #expect(throws: EngineError.self) { _ = try await authorise(probe, payer: "astronaut", payment: other, engine: engine) }
        #expect(try await authorise(probe, payer: "astronaut", payment: payment, engine: engine))
        // Once only.
        await #expect(throws: EngineError.self) { _ = try await authorise(probe, payer: "astronaut", payment: payment, engine: engine) }
    }
}
