@testable import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
@testable import BiomatchStore
import Crypto
import Foundation
import Testing

/// Identification that holds its false-positive identification rate: fail closed beyond the
/// calibration, partitions, ambiguity, and a gallery that follows the store (synthetic faces
/// and the registry sample prints: runs anywhere).
@Suite struct IdentificationTests {
    /// One tier at FPIR 1e-3 without liveness checks (liveness has its own tests).
    static func configuration() -> EngineConfiguration {
        EngineConfiguration(tiers: [RiskTier(name: "low", maximumAmount: nil, fmrTarget: .oneInThousand)])
    }

    /// Enrolls `count` synthetic subjects `s0…`, into `partition`; returns their templates.
    @discardableResult
    static func enroll(_ f: EngineFixture, count: Int, prefix: String = "s", seed: UInt64 = 1_000, partition: String? = nil) async throws -> [FaceTemplate] {
        var templates: [FaceTemplate] = []
        for i in 0..<count {
            let t = try SyntheticFaces.template(seed: seed + UInt64(i))
            _ = try await f.engine.enroll(try f.terminal.frame([.face(t, purpose: .enrollIdentity)]), subjectID: "\(prefix)\(i)", partition: partition)
            templates.append(t)
        }
        return templates
    }

    static func probe(_ f: EngineFixture, _ template: FaceTemplate, partition: String? = nil) throws -> [UInt8] {
        var object = BiometricObject.face(template, purpose: .identify, transaction: .fresh(at: f.clock.date))
        object.header.partition = partition
        return try f.terminal.frame([object])
    }

    @Test func aGalleryBeyondTheCalibrationIsRefusedAndAPartitionWithinItAnswers() async throws {
        let f = try EngineFixture(configuration: Self.configuration())
        // 100 references: FPIR 1e-3 needs 1e-5 per comparison, the strictest calibrated point.
        let big = try await Self.enroll(f, count: 100, partition: "big")
        let near = try SyntheticFaces.template(seed: 77, near: big[7].values)
        let decision = try await f.engine.identify(try Self.probe(f, near, partition: "big"), tier: "low")
        #expect(decision.isMatch && decision.subjectID == "s7")
        let summary = try #require(decision.identification)
        #expect(summary.gallerySize == 100 && summary.gallerySubjects == 100 && summary.partition == "big")
        #expect(abs(summary.perComparisonFmr - 1e-5) < 1e-12 && abs(summary.expectedFpir - 1e-3) < 1e-12)
        #expect(abs(decision.threshold - 0.4389835) < 1e-6, "the calibrated 1e-5 threshold")
        // One more reference anywhere: the whole gallery (101) needs 9.9e-6 per comparison.
        _ = try await Self.enroll(f, count: 1, prefix: "t", seed: 5_000, partition: "small")
        let refused = await expectRefusal(.galleryTooLarge) { try await f.engine.identify(try Self.probe(f, near), tier: "low") }
        #expect(refused?.message.contains("partition") == true)
        // The small partition: one reference, per-comparison 1e-3.
        let small = try await f.engine.identify(try Self.probe(f, near, partition: "small"), tier: "low")
        #expect(!small.isMatch && small.identification?.gallerySize == 1)
        // A partition nobody is in.
        await expectRefusal(.noActiveReference) { try await f.engine.identify(try Self.probe(f, near, partition: "nowhere"), tier: "low") }
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func twoSubjectsWithinTheMarginAreAmbiguousAndRefused() async throws {
        let f = try EngineFixture(configuration: Self.configuration())
        try await Self.enroll(f, count: 10)
        // A second subject enrolled with the first one's face (a duplicate, or twins).
        let twin = try SyntheticFaces.template(seed: 1_003)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(try SyntheticFaces.template(seed: 33, near: twin.values, noise: 0.1), purpose: .enrollIdentity)]),
                                      subjectID: "twin")
        let refused = await expectRefusal(.ambiguousIdentification) {
            try await f.engine.identify(try Self.probe(f, try SyntheticFaces.template(seed: 34, near: twin.values)), tier: "low")
        }
        #expect(refused?.message.contains("s3") == true && refused?.message.contains("twin") == true)
        // Several references of one subject are one subject: not ambiguous.
        _ = try await f.engine.enroll(try f.terminal.frame([.face(try SyntheticFaces.template(seed: 35, near: (try SyntheticFaces.template(seed: 1_005)).values, noise: 0.1), purpose: .enrollIdentity)]),
                                      subjectID: "s5")
        let one = try await f.engine.identify(try Self.probe(f, try SyntheticFaces.template(seed: 36, near: (try SyntheticFaces.template(seed: 1_005)).values)), tier: "low")
        #expect(one.isMatch && one.subjectID == "s5" && one.identification?.gallerySubjects == 11 && one.identification?.gallerySize == 12)
    }

    @Test func expiredReferencesDoNotAnswer() async throws {
        let f = try EngineFixture(configuration: Self.configuration())
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollIdentity,
                                                                  validity: BiometricValidity(notBefore: f.clock.date, notAfter: f.clock.date.addingTimeInterval(3_600)))]),
                                      subjectID: "alice")
        let probe = try SyntheticFaces.template(seed: 2, near: alice.values)
        #expect(try await f.engine.identify(try Self.probe(f, probe), tier: "low").isMatch)
        f.clock.advance(7_200)
        #expect(try await !f.engine.identify(try Self.probe(f, probe), tier: "low").isMatch)
    }

    /// A fingerprint probe is identified through the engine with the same FPIR rule.
    @Test func aFingerIsIdentifiedThroughTheEngine() async throws {
        let f = try EngineFixture(configuration: Self.configuration())
        func bytes(_ name: String) throws -> [UInt8] { try EvidenceCountingAttackTests.bytes("finger/\(name)") }
        _ = try await f.engine.enroll(fingerImage: try bytes("p1_1.png"), position: .rightIndex, subjectID: "alice")
        _ = try await f.engine.enroll(fingerImage: try bytes("p2_1.png"), position: .rightIndex, subjectID: "bob")
        let probe = try f.terminal.frame([try .finger(try EvidenceCountingAttackTests.finger("finger/p1_2.png"), position: .rightIndex,
                                                      purpose: .identify, transaction: .fresh(at: f.clock.date))])
        let decision = try await f.engine.identify(probe, tier: "low")
        #expect(decision.isMatch && decision.subjectID == "alice" && decision.rule == .finger)
        #expect(decision.identification?.gallerySize == 2 && abs((decision.identification?.perComparisonFmr ?? 0) - 5e-4) < 1e-12)
        // Eleven finger references need 9.1e-5 per comparison, beyond the finger calibration (1e-4).
        for i in 0..<9 {
            let template = try EvidenceCountingAttackTests.finger("finger/p2_1.png")
            let record = try template.record(format: .iso19794_2_2005, position: .rightIndex).encoded()
            _ = try f.store.enroll([ReferenceDraft(subjectID: "filler-\(i)", modality: .finger, fingerPosition: 2, modelID: Engine.fingerModelID,
                                                   modelVersion: Engine.fingerModelVersion, quality: template.quality, template: record)])
        }
        let again = try f.terminal.frame([try .finger(try EvidenceCountingAttackTests.finger("finger/p1_2.png"), position: .rightIndex,
                                                      purpose: .identify, transaction: .fresh(at: f.clock.date))])
        await expectRefusal(.galleryTooLarge) { try await f.engine.identify(again, tier: "low") }
    }

    /// Acceptance 2: a revocation made by another process is honoured by the next
    /// identification of a running engine, on SQLite and PostgreSQL.
    @Test(arguments: EngineStoreKind.available)
    func aRevocationByAnotherProcessIsHonouredByTheNextIdentification(_ kind: EngineStoreKind) async throws {
        let f = try EngineFixture(configuration: Self.configuration(), kind: kind)
        let faces = try await Self.enroll(f, count: 5)
        let probe = try SyntheticFaces.template(seed: 9, near: faces[2].values)
        #expect(try await f.engine.identify(try Self.probe(f, probe), tier: "low").subjectID == "s2")  // the gallery is loaded
        let viaProcess = try Self.revokeInAnotherProcess(f, subject: "s2")
        if viaProcess {
            #expect(try f.store.auditEntries().contains { $0.action == "revoke" && $0.subjectID == "s2" && $0.actor.hasPrefix("cli") },
                    "the revocation was journaled by the biomatch process")
        }
        let after = try await f.engine.identify(try Self.probe(f, probe), tier: "low")
        #expect(!after.isMatch, "the revoked subject no longer answers")
        // An enrollment by another handle is picked up too.
        let other = try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "node-b")
        defer { other.close() }
        let carol = try SyntheticFaces.template(seed: 4_242)
        _ = try other.enroll([ReferenceDraft(subjectID: "carol", modality: .face, modelID: carol.modelID, modelVersion: carol.modelVersion,
                                             quality: carol.quality, template: carol.serialized())])
        let found = try await f.engine.identify(try Self.probe(f, try SyntheticFaces.template(seed: 10, near: carol.values)), tier: "low")
        #expect(found.subjectID == "carol")
        // A reference deleted behind the feed's back (the change row removed too) is still
        // caught at decision time: candidates are checked against the store.
        let dave = try SyntheticFaces.template(seed: 4_343)
        _ = try other.enroll([ReferenceDraft(subjectID: "dave", modality: .face, modelID: dave.modelID, modelVersion: dave.modelVersion,
                                             quality: dave.quality, template: dave.serialized())])
        #expect(try await f.engine.identify(try Self.probe(f, try SyntheticFaces.template(seed: 11, near: dave.values)), tier: "low").subjectID == "dave")
        try other.backend.write { session in
            try session.executeForTesting("UPDATE subject SET status = 'revoked' WHERE id = 'dave'")
        }
        await expectRefusal(.store) {
            try await f.engine.identify(try Self.probe(f, try SyntheticFaces.template(seed: 12, near: dave.values)), tier: "low")
        }
    }

    /// Runs `biomatch store revoke` as its own process when the tool is built beside the
    /// tests (true), or through a second store handle (another connection) otherwise.
    static func revokeInAnotherProcess(_ f: EngineFixture, subject: String) throws -> Bool {
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("biomatch")
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            let other = try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "second-handle")
            defer { other.close() }
            try other.revoke(subjectID: subject, reason: "test")
            return false
        }
        let process = Process()
        process.executableURL = tool
        process.arguments = ["store", "revoke", "--store", f.storeArgument, "--key-env", "BIOMATCH_TEST_KEK", "--subject", subject]
        var environment = ProcessInfo.processInfo.environment
        environment["BIOMATCH_TEST_KEK"] = f.key.key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "biomatch store revoke exited \(process.terminationStatus)")
        return true
    }
}
