@testable import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import Crypto
import Foundation
import Testing

/// Every policy check the engine enforces, on synthetic face templates (no models needed).
@Suite struct EnginePolicyTests {
    /// Enrolls `subject` from a framed enrollment object and returns its template.
    private func enroll(_ f: EngineFixture, _ subject: String, seed: UInt64, validity: BiometricValidity? = nil) async throws -> FaceTemplate {
        let template = try SyntheticFaces.template(seed: seed)
        let message = try f.terminal.frame([.face(template, purpose: .enrollVerify, validity: validity)],
                                           protection: .integrity(.signature(keyName: "t1/sig", key: f.terminal.signingKey)))
        let receipt = try await f.engine.enroll(message, subjectID: subject)
        #expect(receipt.referenceIDs.count == 1 && receipt.auditSequences[0] > 0)
        return template
    }

    @Test func genuineMatchesImpostorDoesNotAndBothCiteTheirAuditEntries() async throws {
        let f = try EngineFixture()
        let alice = try await enroll(f, "alice", seed: 1)
        _ = try await enroll(f, "bob", seed: 2)
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        let genuine = try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "alice", tier: "low")
        #expect(genuine.isMatch && genuine.fmrTarget == .oneInThousand && genuine.rule == .face)
        #expect(abs(genuine.threshold - 0.3484588) < 1e-6)
        let impostor = try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "bob", tier: "low")
        #expect(!impostor.isMatch)
        // Typed in Swift, the same strings in JSON as before (and back).
        let json = String(decoding: try JSONEncoder().encode(impostor), as: UTF8.self)
        for text in [#""outcome":"no-match""#, #""operation":"verify""#, #""fmrTarget":"1e-3""#, #""rule":"face""#, #""modality":"face""#] {
            #expect(json.contains(text), "\(text) not in \(json)")
        }
        #expect(try JSONDecoder().decode(Decision.self, from: Data(json.utf8)) == impostor)
        let entries = try f.store.auditEntries()
        for decision in [genuine, impostor] {
            let entry = entries.first { $0.sequence == decision.auditSequence }
            #expect(entry?.action == "verify" && entry?.outcome == decision.outcome.rawValue && entry?.subjectID == decision.subjectID)
            #expect(entry?.detail.contains("tx=\(decision.transactionID ?? "?")") == true)
        }
        #expect(try f.store.verifyAudit().valid)
    }

    /// An enrollment object that carries a transaction is accepted once, like a probe.
    @Test func anEnrollmentObjectWithATransactionIsAcceptedOnce() async throws {
        let f = try EngineFixture()
        let template = try SyntheticFaces.template(seed: 21)
        let object = try f.terminal.frame([.face(template, purpose: .enroll, transaction: .fresh(at: f.clock.date))])
        _ = try await f.engine.enroll(object, subjectID: "carol")
        f.clock.advance(5)
        await expectRefusal(.replayed) { try await f.engine.enroll(object, subjectID: "carol") }
        await expectRefusal(.replayed) { try await f.engine.enroll(object, subjectID: "mallory") }
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func replayEnrollPurposeExpiryAndWrongMACKeyAreEachRefusedAndJournaled() async throws {
        let f = try EngineFixture()
        let alice = try await enroll(f, "alice", seed: 1)
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)

        // Replay: the same bytes a second time.
        let captured = try f.terminal.probe(probe, at: f.clock.date)
        _ = try await f.engine.verify(captured, claimedSubject: "alice", tier: "low")
        f.clock.advance(5)
        let replay = await expectRefusal(.replayed) { try await f.engine.verify(captured, claimedSubject: "alice", tier: "low") }

        // An enroll object sent to verify.
        let enrollObject = try f.terminal.probe(probe, at: f.clock.date, purpose: .enroll)
        let purpose = await expectRefusal(.purposeMismatch) { try await f.engine.verify(enrollObject, claimedSubject: "alice", tier: "low") }

        // An expired object (its validity ended two minutes ago, beyond the 60 s skew).
        let expiredObject = try f.terminal.probe(probe, at: f.clock.date, validity: BiometricValidity(notAfter: f.clock.date.addingTimeInterval(-120)))
        let expired = await expectRefusal(.expired) { try await f.engine.verify(expiredObject, claimedSubject: "alice", tier: "low") }

        // A terminal MACing with a key that is not the one the engine holds under that name.
        let rogue = try f.terminal.frame([.face(probe, purpose: .verify, transaction: .fresh(at: f.clock.date))],
                                         protection: .privacyAndIntegrity(try PrivacyProtection(keyName: "t1/enc", key: f.terminal.encryptionKey),
                                                                          .mac(keyName: "t1/mac", key: SymmetricKey(size: .bits256))))
        let wrongMAC = await expectRefusal(.integrityFailure) { try await f.engine.verify(rogue, claimedSubject: "alice", tier: "low") }

        // Each has its own journal entry naming its reason.
        let entries = try f.store.auditEntries()
        for (error, code) in [(replay, "replayed"), (purpose, "purposeMismatch"), (expired, "expired"), (wrongMAC, "integrityFailure")] {
            let entry = entries.first { $0.sequence == error?.auditSequence }
            #expect(entry?.outcome == "refused:\(code)" && entry?.action == "verify", "\(code): \(String(describing: entry))")
        }
        #expect(Set([replay, purpose, expired, wrongMAC].compactMap { $0?.auditSequence }).count == 4)
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func freshnessProtectionAndUnknownKeys() async throws {
        let f = try EngineFixture()
        let alice = try await enroll(f, "alice", seed: 1)
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        // Captured 10 minutes ago: stale. From the future beyond the skew: stale.
        await expectRefusal(.stale) { try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date.addingTimeInterval(-600)), claimedSubject: "alice", tier: "low") }
        await expectRefusal(.stale) { try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date.addingTimeInterval(300)), claimedSubject: "alice", tier: "low") }
        // No transaction at all.
        let noTx = try f.terminal.frame([.face(probe, purpose: .verify)])
        await expectRefusal(.transactionRequired) { try await f.engine.verify(noTx, claimedSubject: "alice", tier: "low") }
        // Unprotected, integrity-only, privacy-only.
        let obj = BiometricObject.face(probe, purpose: .verify, transaction: .fresh(at: f.clock.date))
        await expectRefusal(.protectionRequired) { try await f.engine.verify(try f.terminal.frame([obj], protection: Protection.none), claimedSubject: "alice", tier: "low") }
        await expectRefusal(.protectionRequired) { try await f.engine.verify(try f.terminal.frame([obj], protection: .integrity(.mac(keyName: "t1/mac", key: f.terminal.macKey))), claimedSubject: "alice", tier: "low") }
        await expectRefusal(.protectionRequired) { try await f.engine.verify(try f.terminal.frame([obj], protection: .privacy(try PrivacyProtection(keyName: "t1/enc", key: f.terminal.encryptionKey))), claimedSubject: "alice", tier: "low") }
        // A key name the engine does not hold.
        let other = try f.terminal.frame([obj], protection: .privacyAndIntegrity(try PrivacyProtection(keyName: "t9/enc", key: f.terminal.encryptionKey), .mac(keyName: "t1/mac", key: f.terminal.macKey)))
        await expectRefusal(.unknownKey) { try await f.engine.verify(other, claimedSubject: "alice", tier: "low") }
        // Garbage and truncated DER.
        await expectRefusal(.malformedObject) { try await f.engine.verify([0x30, 0x05, 0x01], claimedSubject: "alice", tier: "low") }
        let good = try f.terminal.probe(probe, at: f.clock.date)
        await expectRefusal(.malformedObject) { try await f.engine.verify(Array(good.dropLast(3)), claimedSubject: "alice", tier: "low") }
        #expect(try f.store.verifyAudit().valid)
    }

    /// A terminal's scores are advisory: they refuse a presentation they call an attack,
    /// but never meet a tier's requirement (the engine runs those checks on the capture).
    @Test func terminalLivenessScoresAreAdvisoryAndTiersFollowThePayment() async throws {
        var configuration = EngineConfiguration.standard
        configuration.livenessCalibration = LivenessCalibration(measured: [.passiveFace: PADCalibration(
            points: [.init(apcer: 0.01, threshold: 0.8, bpcer: 0.2), .init(apcer: 0.05, threshold: 0.6, bpcer: 0.05)],
            bonaFideCount: 100, attackCounts: ["print": 100])])
        let f = try EngineFixture(configuration: configuration)
        let alice = try await enroll(f, "alice", seed: 1)
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        func verify(_ tier: String, _ scores: [LivenessScore]?) async throws -> Decision {
            try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date, liveness: scores), claimedSubject: "alice", tier: tier)
        }
        let passive = { (s: Double) in LivenessScore(check: .passiveFace, score: s) }
        await expectRefusal(.livenessRequired) { try await verify("standard", nil) }
        let advisory = await expectRefusal(.livenessRequired) { try await verify("standard", [passive(0.99)]) }
        #expect(advisory?.message.contains("advisory") == true)
        // The high tier also wants the active challenge, which only the engine scores
        // (ActiveChallengeEngineTests): a terminal's own active-challenge score is refused.
        await expectRefusal(.livenessFailed) { try await verify("high", [passive(0.9), LivenessScore(check: .activeChallenge, score: 1)]) }
        // Scores that say attack refuse even where the tier requires no liveness.
        await expectRefusal(.livenessFailed) { try await verify("low", [passive(0.3)]) }
        let low = try await verify("low", [passive(0.7)])
        #expect(low.isMatch && low.liveness?.isBonaFide == true && low.liveness?.checks.first?.threshold == 0.6)
        // Payment amounts pick the tier.
        let payment = try PaymentContext(amount: 5_000, currency: "EUR", payee: "M1", terminal: "T1", reference: "R1")
        let bound = try f.terminal.frame([.face(probe, purpose: .verify, transaction: .fresh(at: f.clock.date), payment: payment)])
        let byAmount = try await f.engine.verify(bound, claimedSubject: "alice", payment: payment)
        #expect(byAmount.tier == "low" && byAmount.fmrTarget == .oneInThousand && byAmount.isMatch && byAmount.payment == payment)
        await expectRefusal(.unknownTier) { try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "alice", tier: "platinum") }
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func livenessScoresAreBoundByTheProbesIntegrity() async throws {
        var configuration = EngineConfiguration.standard
        configuration.probesRequirePrivacy = false  // headers in clear, to tamper with
        configuration.livenessCalibration = LivenessCalibration(measured: [.passiveFace: PADCalibration(
            points: [.init(apcer: 0.05, threshold: 0.6, bpcer: 0.05)], bonaFideCount: 100, attackCounts: ["print": 100])])
        let f = try EngineFixture(configuration: configuration)
        let alice = try await enroll(f, "alice", seed: 1)
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        let message = try f.terminal.probe(probe, at: f.clock.date, liveness: [LivenessScore(check: .passiveFace, score: 0.5)],
                                           protection: .integrity(.mac(keyName: "t1/mac", key: f.terminal.macKey)))
        // Raise the score from 0.5 (INTEGER 5000) to 1 (10000) in the clear header: the MAC no longer holds.
        let old: [UInt8] = [0x02, 0x02, 0x13, 0x88], new: [UInt8] = [0x02, 0x02, 0x27, 0x10]
        let at = try #require((0...(message.count - 4)).first { Array(message[$0..<($0 + 4)]) == old })
        var forged = message
        forged.replaceSubrange(at..<(at + 4), with: new)
        await expectRefusal(.integrityFailure) { try await f.engine.verify(forged, claimedSubject: "alice", tier: "low") }
        await expectRefusal(.livenessFailed) { try await f.engine.verify(message, claimedSubject: "alice", tier: "low") }
        // A check the engine does not know is refused, not ignored.
        var object = BiometricObject.face(probe, purpose: .verify, transaction: .fresh(at: f.clock.date))
        object.header.presentationAttackScores = [BiometricPADScore(check: "x-ray", score: 1)]
        await expectRefusal(.unsupportedObject) { try await f.engine.verify(try f.terminal.frame([object]), claimedSubject: "alice", tier: "low") }
    }

    @Test func expiredRevokedAndUnknownReferencesAreRefused() async throws {
        let f = try EngineFixture()
        // A reference valid for one hour.
        let alice = try await enroll(f, "alice", seed: 1, validity: BiometricValidity(notAfter: f.clock.date.addingTimeInterval(3600)))
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        #expect(try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "alice", tier: "low").isMatch)
        f.clock.advance(7200)
        await expectRefusal(.noActiveReference) { try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "alice", tier: "low") }
        _ = try await enroll(f, "bob", seed: 2)
        let bobProbe = try SyntheticFaces.template(seed: 12, near: try SyntheticFaces.template(seed: 2).values)
        let receipt = try await f.engine.revoke(subjectID: "bob", reason: "customer request")
        #expect(receipt.auditSequence > 0)
        await expectRefusal(.noActiveReference) { try await f.engine.verify(try f.terminal.probe(bobProbe, at: f.clock.date), claimedSubject: "bob", tier: "low") }
        await expectRefusal(.unknownSubject) { try await f.engine.verify(try f.terminal.probe(bobProbe, at: f.clock.date), claimedSubject: "carol", tier: "low") }
        // An enrollment object must be integrity-protected and have an enrollment purpose.
        let plain = try f.terminal.frame([.face(probe, purpose: .enroll)], protection: Protection.none)
        await expectRefusal(.protectionRequired) { try await f.engine.enroll(plain, subjectID: "dave") }
        let wrongPurpose = try f.terminal.frame([.face(probe, purpose: .verify)], protection: .integrity(.mac(keyName: "t1/mac", key: f.terminal.macKey)))
        await expectRefusal(.purposeMismatch) { try await f.engine.enroll(wrongPurpose, subjectID: "dave") }
        let low = try SyntheticFaces.template(seed: 5, quality: 10)
        let lowQuality = try f.terminal.frame([.face(low, purpose: .enroll)], protection: .integrity(.mac(keyName: "t1/mac", key: f.terminal.macKey)))
        await expectRefusal(.qualityTooLow) { try await f.engine.enroll(lowQuality, subjectID: "dave") }
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func identificationFindsTheEnrolledSubjectAndRespectsRevocation() async throws {
        let f = try EngineFixture()
        var templates: [FaceTemplate] = []
        for i in 0..<30 { templates.append(try await enroll(f, "s\(i)", seed: UInt64(100 + i))) }
        let probe = try SyntheticFaces.template(seed: 999, near: templates[7].values)
        let hit = try await f.engine.identify(try f.terminal.frame([.face(probe, purpose: .identify, transaction: .fresh(at: f.clock.date))]), tier: "low")
        #expect(hit.isMatch && hit.subjectID == "s7" && hit.candidates.count == 1)
        #expect(hit.fmrTarget == .oneInThousand && abs((hit.identification?.perComparisonFmr ?? 0) - 1e-3 / 30) < 1e-12,
                "FPIR 1e-3 over 30 references: 3.3e-5 per comparison")
        _ = try await f.engine.revoke(subjectID: "s7", reason: "test")
        let miss = try await f.engine.identify(try f.terminal.frame([.face(probe, purpose: .identify, transaction: .fresh(at: f.clock.date))]), tier: "low")
        #expect(!miss.isMatch && miss.candidates.isEmpty)
        // A late enrollment joins the loaded gallery.
        let late = try await enroll(f, "late", seed: 5000)
        let lateProbe = try SyntheticFaces.template(seed: 5001, near: late.values)
        let found = try await f.engine.identify(try f.terminal.frame([.face(lateProbe, purpose: .identify, transaction: .fresh(at: f.clock.date))]), tier: "low")
        #expect(found.subjectID == "late")
        await expectRefusal(.purposeMismatch) {
            try await f.engine.identify(try f.terminal.frame([.face(lateProbe, purpose: .verify, transaction: .fresh(at: f.clock.date))]), tier: "low")
        }
    }
}
