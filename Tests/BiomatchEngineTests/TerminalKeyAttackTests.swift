@testable import BiomatchEngine
import BiomatchFace
import BiomatchFraming
import Crypto
import Foundation
import Testing

/// Per-terminal keys: each terminal holds keys derived from a master for its id, one purpose
/// and validity dates. The attacks are a terminal (or whoever took its keys) acting beyond
/// what its keys were issued for.
@Suite struct TerminalKeyAttackTests {
    static let day: TimeInterval = 86_400
    let master = try! TerminalKeyMaster(id: "m1", key: SymmetricKey(size: .bits256))

    /// The fixture's clock starts at 2026-09-22 (1,790,000,000 s); keys valid from a week before for 90 days.
    func name(_ purpose: FramingKeyPurpose, terminal: String = "T1", from: TimeInterval = -7, days: TimeInterval = 90) throws -> TerminalKeyName {
        let start = Date(timeIntervalSince1970: 1_790_000_000 + from * Self.day)
        return try TerminalKeyName(masterID: "m1", terminalID: terminal, purpose: purpose, firstDay: start, lastDay: start.addingTimeInterval((days - 1) * Self.day))
    }

    /// What a terminal holding the keys of `name` frames with (keys derived by the issuer).
    func protection(_ name: TerminalKeyName, keyedAs keyName: TerminalKeyName? = nil) throws -> Protection {
        let label = (keyName ?? name).description
        return .privacyAndIntegrity(try PrivacyProtection(keyName: label, key: try master.encryptionKey(for: name)),
                                    .mac(keyName: label, key: try master.macKey(for: name)))
    }

    func fixture(_ configure: (inout EngineConfiguration) -> Void = { _ in }) throws -> EngineFixture {
        var configuration = EngineConfiguration.standard
        configure(&configuration)
        return try EngineFixture(configuration: configuration) { [master] terminal in
            var keys = terminal.engineKeys
            keys.terminalMasters["m1"] = master
            return keys
        }
    }

    func enrollAlice(_ f: EngineFixture) async throws -> FaceTemplate {
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)], protection: try protection(name(.enrollment))),
                                      subjectID: "alice")
        return try SyntheticFaces.template(seed: 11, near: alice.values)
    }

    func probe(_ f: EngineFixture, _ template: FaceTemplate, _ protection: Protection, payment: PaymentContext? = nil) throws -> [UInt8] {
        try f.terminal.frame([.face(template, purpose: .verify, transaction: .fresh(at: f.clock.date), payment: payment)], protection: protection)
    }

    @Test func aTerminalsProbeKeyVerifiesAndCannotEnroll() async throws {
        let f = try fixture()
        let probe = try await enrollAlice(f)
        let decision = try await f.engine.verify(try self.probe(f, probe, try protection(name(.probe))), claimedSubject: "alice", tier: "low")
        #expect(decision.isMatch)
        // The stolen probe key enrolls the thief's face: refused, journaled.
        let thief = try SyntheticFaces.template(seed: 99)
        let refused = await expectRefusal(.keyPurposeMismatch) {
            try await f.engine.enroll(try f.terminal.frame([.face(thief, purpose: .enrollVerify)], protection: try protection(name(.probe))), subjectID: "alice")
        }
        #expect(refused?.message.contains("probe") == true)
        // And an enrollment key does not make probes.
        await expectRefusal(.keyPurposeMismatch) {
            try await f.engine.verify(try self.probe(f, probe, try protection(name(.enrollment))), claimedSubject: "alice", tier: "low")
        }
    }

    @Test func aTerminalCannotRenameItsKeyToAnotherPurposeTerminalOrDates() async throws {
        let f = try fixture()
        let probe = try await enrollAlice(f)
        let own = try name(.probe)
        // Its own probe key, presented under names it was not issued for.
        for forged in [try name(.enrollment), try name(.probe, terminal: "T2"), try name(.probe, from: -7, days: 365)] {
            await expectRefusal(.integrityFailure) {
                try await f.engine.verify(try self.probe(f, probe, try protection(own, keyedAs: forged)), claimedSubject: "alice", tier: "low")
            }
        }
    }

    @Test func keysOutsideTheirDatesOrOfARevokedTerminalAreRefused() async throws {
        let f = try fixture { $0.revokedTerminals = ["T9"] }
        let probe = try await enrollAlice(f)
        await expectRefusal(.keyNotValid) { try await f.engine.verify(try self.probe(f, probe, try protection(name(.probe, from: -100))), claimedSubject: "alice", tier: "low") }
        await expectRefusal(.keyNotValid) { try await f.engine.verify(try self.probe(f, probe, try protection(name(.probe, from: 2))), claimedSubject: "alice", tier: "low") }
        let revoked = await expectRefusal(.keyNotValid) {
            try await f.engine.verify(try self.probe(f, probe, try protection(name(.probe, terminal: "T9"))), claimedSubject: "alice", tier: "low")
        }
        #expect(revoked?.message.contains("revoked") == true)
        // Longer than the master allows (an issuing mistake): refused even though the key is genuine.
        await expectRefusal(.keyNotValid) { try await f.engine.verify(try self.probe(f, probe, try protection(name(.probe, days: 500))), claimedSubject: "alice", tier: "low") }
        // The key expires while the terminal keeps using it.
        let key = try protection(name(.probe))
        _ = try await f.engine.verify(try self.probe(f, probe, key), claimedSubject: "alice", tier: "low")
        f.clock.advance(90 * Self.day)
        await expectRefusal(.keyNotValid) { try await f.engine.verify(try self.probe(f, probe, key), claimedSubject: "alice", tier: "low") }
    }

    @Test func aProbeFromOneTerminalIsRefusedForAPaymentAtAnother() async throws {
        let f = try fixture()
        let probe = try await enrollAlice(f)
        let elsewhere = try PaymentContext(amount: 100, currency: "CNY", payee: "M1", terminal: "T2", reference: "R1")
        let message = try self.probe(f, probe, try protection(name(.probe)), payment: elsewhere)
        let refused = await expectRefusal(.paymentMismatch) { try await f.engine.verify(message, claimedSubject: "alice", payment: elsewhere) }
        #expect(refused?.message.contains("terminal T1") == true)
        let here = try PaymentContext(amount: 100, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1")
        #expect(try await f.engine.verify(try self.probe(f, probe, try protection(name(.probe)), payment: here), claimedSubject: "alice", payment: here).isMatch)
    }

    @Test func namedKeysCarryAPurposeAndTerminalKeysCanBeRequired() async throws {
        let f = try fixture { $0.probesRequireTerminalKeys = true }
        let probe = try await enrollAlice(f)
        // The shared key of the fixture's terminal: refused where terminal keys are required.
        await expectRefusal(.keyNotValid) { try await f.engine.verify(try f.terminal.probe(probe, at: f.clock.date), claimedSubject: "alice", tier: "low") }
        // A named key restricted to enrollment does not protect probes.
        let g = try EngineFixture { terminal in
            var keys = terminal.engineKeys
            keys.purposes["t1/mac"] = .enrollment
            return keys
        }
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await g.engine.enroll(try g.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        await expectRefusal(.keyPurposeMismatch) { try await g.engine.verify(try g.terminal.probe(probe, at: g.clock.date), claimedSubject: "alice", tier: "low") }
    }
}
