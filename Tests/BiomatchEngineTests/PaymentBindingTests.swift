@testable import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchStore
import Foundation
import Testing

/// Dynamic linking: a probe authorises the payment the payer saw, and only that one.
@Suite struct PaymentBindingTests {
    static func context(amount: Int64, payee: String = "M1", reference: String = "R1") throws -> PaymentContext {
        try PaymentContext(amount: amount, currency: "CNY", payee: payee, terminal: "T1", reference: reference)
    }

    func enrolled() async throws -> (EngineFixture, FaceTemplate) {
        let f = try EngineFixture()
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        return (f, try SyntheticFaces.template(seed: 11, near: alice.values))
    }

    func bound(_ f: EngineFixture, _ probe: FaceTemplate, to payment: PaymentContext?) throws -> [UInt8] {
        try f.terminal.frame([.face(probe, purpose: .verify, transaction: .fresh(at: f.clock.date), payment: payment)])
    }

    @Test func aProbeBoundToOnePaymentIsRefusedForAnotherAndAcceptedForItsOwn() async throws {
        let (f, probe) = try await enrolled()
        let one = try Self.context(amount: 100)                  // 1.00 CNY
        let message = try bound(f, probe, to: one)
        // Presented for 5,000.00: refused, journaled, and the probe is not spent by it.
        let refused = await expectRefusal(.paymentMismatch) {
            try await f.engine.verify(message, claimedSubject: "alice", payment: try Self.context(amount: 500_000))
        }
        #expect(refused?.message.contains("another payment") == true)
        // Any other field differs: refused the same way.
        await expectRefusal(.paymentMismatch) { try await f.engine.verify(message, claimedSubject: "alice", payment: try Self.context(amount: 100, payee: "M2")) }
        await expectRefusal(.paymentMismatch) { try await f.engine.verify(message, claimedSubject: "alice", payment: try Self.context(amount: 100, reference: "R2")) }
        // Its own payment: accepted, at the amount's tier.
        let decision = try await f.engine.verify(message, claimedSubject: "alice", payment: one)
        #expect(decision.isMatch && decision.tier == "low" && decision.payment == one)
        let entry = try f.store.auditEntries().first { $0.sequence == decision.auditSequence }
        #expect(entry?.detail.contains("payment=100CNY") == true)
        let refusal = try f.store.auditEntries().first { $0.sequence == refused?.auditSequence }
        #expect(refusal?.outcome == "refused:paymentMismatch")
        // Once accepted, the probe is spent.
        await expectRefusal(.replayed) { try await f.engine.verify(message, claimedSubject: "alice", payment: one) }
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func unboundProbesForAPaymentAndBoundProbesWithoutOneAreRefused() async throws {
        let (f, probe) = try await enrolled()
        let payment = try Self.context(amount: 2_500)
        await expectRefusal(.paymentMismatch) { try await f.engine.verify(try bound(f, probe, to: nil), claimedSubject: "alice", payment: payment) }
        await expectRefusal(.paymentMismatch) { try await f.engine.verify(try bound(f, probe, to: payment), claimedSubject: "alice", tier: "low") }
        await expectRefusal(.paymentMismatch) { try await f.engine.identify(try f.terminal.frame([.face(probe, purpose: .identify, transaction: .fresh(at: f.clock.date), payment: payment)]), tier: "low") }
        // Objects of one probe bound to different payments.
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let mixed = try f.terminal.frame([.face(probe, purpose: .verify, transaction: tx, payment: payment),
                                          .face(probe, purpose: .verify, transaction: tx, payment: try Self.context(amount: 1))])
        await expectRefusal(.unsupportedObject) { try await f.engine.verify(mixed, claimedSubject: "alice", payment: payment) }
    }

    @Test func theTierFollowsTheBoundAmountAndMayOnlyBeMadeStricter() async throws {
        var configuration = EngineConfiguration.standard
        // Liveness left out here (EngineSideLivenessTests covers it); the tiers' FMR targets stay.
        for i in configuration.tiers.indices { configuration.tiers[i].liveness = nil }
        let f = try EngineFixture(configuration: configuration)
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        let probe = try SyntheticFaces.template(seed: 11, near: alice.values)
        let large = try Self.context(amount: 500_000)
        let high = try await f.engine.verify(try bound(f, probe, to: large), claimedSubject: "alice", payment: large)
        #expect(high.tier == "high" && high.fmrTarget == .oneInHundredThousand)
        await expectRefusal(.tierTooWeak) { try await f.engine.verify(try bound(f, probe, to: large), claimedSubject: "alice", payment: large, tier: "low") }
        let small = try Self.context(amount: 100)
        let stricter = try await f.engine.verify(try bound(f, probe, to: small), claimedSubject: "alice", payment: small, tier: "standard")
        #expect(stricter.tier == "standard" && stricter.fmrTarget == .oneInTenThousand)
    }

    @Test func theDigestIsUnderTheProbesIntegrity() async throws {
        var configuration = EngineConfiguration.standard
        configuration.probesRequirePrivacy = false  // headers in clear, to tamper with
        let f = try EngineFixture(configuration: configuration)
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        let payment = try Self.context(amount: 100)
        let message = try f.terminal.frame([.face(try SyntheticFaces.template(seed: 11, near: alice.values), purpose: .verify,
                                                  transaction: .fresh(at: f.clock.date), payment: payment)],
                                           protection: .integrity(.mac(keyName: "t1/mac", key: f.terminal.macKey)))
        // Rebind the clear header to a larger payment: the MAC no longer holds.
        let old = payment.digest, new = try Self.context(amount: 500_000).digest
        let at = try #require((0...(message.count - old.count)).first { Array(message[$0..<($0 + old.count)]) == old })
        var forged = message
        forged.replaceSubrange(at..<(at + old.count), with: new)
        await expectRefusal(.integrityFailure) { try await f.engine.verify(forged, claimedSubject: "alice", payment: try Self.context(amount: 500_000)) }
        #expect(try await f.engine.verify(message, claimedSubject: "alice", payment: payment).isMatch)
    }

    @Test func malformedPaymentContextsAreTypedErrors() throws {
        for text in ["amount=-5,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=0,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=1.00,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=+5,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=abc,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=99999999999999999999,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=5,currency=cny,payee=M1,terminal=T1,reference=R1",
                     "amount=5,currency=CNY,payee=,terminal=T1,reference=R1",
                     "amount=5,currency=CNY,payee=M1,terminal=T1",
                     "amount=5,amount=6,currency=CNY,payee=M1,terminal=T1,reference=R1",
                     "amount=5,currency=CNY,payee=M1,terminal=T1,reference=R1,tip=1",
                     "amount=5;currency=CNY", ""] {
            #expect(throws: FramingError.self, "\(text)") { _ = try PaymentContext(parsing: text) }
        }
        #expect(throws: FramingError.self) { _ = try PaymentContext(amount: 0, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1") }
        #expect(throws: FramingError.self) { _ = try PaymentContext(amount: -100, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1") }
        #expect(throws: FramingError.self) { _ = try JSONDecoder().decode(PaymentContext.self, from: Data(#"{"amount":0,"currency":"CNY","payee":"M","terminal":"T","reference":"R"}"#.utf8)) }
        #expect(throws: EngineError.self) { _ = try EngineConfiguration.standard.tier(forAmount: 0) }
        let parsed = try PaymentContext(parsing: " amount=50000, currency=CNY,payee=M1,terminal=T1,reference=R1")
        #expect(parsed == (try PaymentContext(amount: 50_000, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1")))
        #expect(try PaymentContext(parsing: parsed.description) == parsed && parsed.displayAmount == "500.00 CNY")
        #expect(parsed.digest.count == 32 && parsed.matches(digest: parsed.digest))
        // Fields cannot slide into one another: payee "M1" + terminal "T1" is not payee "M1T" + terminal "1".
        #expect(try PaymentContext(amount: 5, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1").digest
                != (try PaymentContext(amount: 5, currency: "CNY", payee: "M1T", terminal: "1", reference: "R1").digest))
    }
}
