@testable import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import Foundation
import Testing

/// The attacks of the trusted-verification issue on evidence counting, each as a hostile
/// terminal would mount it. Each test asserts only what must hold whatever the refusal's
/// wording: the attack does not match, and no reference counts twice.
@Suite struct EvidenceCountingAttackTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: RealData.root.appendingPathComponent("Models/samples/\(name)")))
    }

    static func finger(_ name: String) throws -> FingerprintTemplate {
        try MinutiaeExtractor().extract(try FingerprintImage(bytes: try bytes(name), dpi: 500, name: name))
    }

    /// Either a refusal, or a decision that is no match; never a reference scored twice.
    /// Returns the refusal, if any.
    @discardableResult
    static func expectNoDoubleCounting(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Decision) async -> EngineError? {
        do {
            let decision = try await body()
            let references = decision.modalityScores.map(\.referenceID)
            #expect(Set(references).count == references.count, "a reference gave several scores: \(references)", sourceLocation: sourceLocation)
            #expect(!decision.isMatch, "the attack matched: \(decision.reasons)", sourceLocation: sourceLocation)
            return nil
        } catch let error as EngineError {
            #expect(error.auditSequence != nil, "refusal \(error.code) was not journaled", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Issue attack 1: one finger enrolled without a position; the probe is one *different*
    /// finger repeated under positions 1–10. Ten comparisons of one impostor finger with one
    /// reference must not fuse as ten independent pieces of evidence.
    @Test func oneImpostorFingerRepeatedUnderTenPositionsIsNotTenPiecesOfEvidence() async throws {
        let f = try EngineFixture()
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p1_1.png"), position: .unknown, subjectID: "alice")
        let impostor = try Self.finger("finger/p2_1.png")
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let probe = try f.terminal.frame(try (1...10).map { p in
            try BiometricObject.finger(impostor, position: try #require(FingerPosition(rawValue: UInt8(p))), purpose: .verify, transaction: tx)
        })
        let refusal = await Self.expectNoDoubleCounting { try await f.engine.verify(probe, claimedSubject: "alice", tier: "low") }
        #expect(refusal?.code == .duplicateFinger, "the same finger presented ten times is refused")
        #expect(try f.store.verifyAudit().valid)
    }

    /// Two distinct probe fingers (the genuine one and an impostor) against one reference of
    /// unknown position: the reference serves one probe finger only.
    @Test func oneReferenceOfUnknownPositionServesOneProbeFinger() async throws {
        let f = try EngineFixture()
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p1_1.png"), position: .unknown, subjectID: "alice")
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let probe = try f.terminal.frame([
            try .finger(try Self.finger("finger/p2_1.png"), position: .rightThumb, purpose: .verify, transaction: tx),
            try .finger(try Self.finger("finger/p1_2.png"), position: .rightIndex, purpose: .verify, transaction: tx),
        ])
        let decision = try await f.engine.verify(probe, claimedSubject: "alice", tier: "low")
        #expect(decision.modalityScores.count == 1, "one reference gives one score: \(decision.modalityScores)")
        #expect(decision.modalityScores.first?.fingerPosition == 2, "the genuine finger takes the reference")
        #expect(decision.isMatch && decision.rule == .finger)
    }

    /// A probe naming one finger position twice is refused.
    @Test func aProbeNamingOnePositionTwiceIsRefused() async throws {
        let f = try EngineFixture()
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p1_1.png"), position: .rightIndex, subjectID: "alice")
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let probe = try f.terminal.frame([
            try .finger(try Self.finger("finger/p1_2.png"), position: .rightIndex, purpose: .verify, transaction: tx),
            try .finger(try Self.finger("finger/p2_1.png"), position: .rightIndex, purpose: .verify, transaction: tx),
        ])
        let refusal = await Self.expectNoDoubleCounting { try await f.engine.verify(probe, claimedSubject: "alice", tier: "low") }
        #expect(refusal?.code == .duplicateFinger)
    }

    /// Several faces in one probe (a best-of-k with no account of k) are refused.
    @Test func severalFacesInOneProbeAreRefused() async throws {
        let f = try EngineFixture()
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let faces = try (100..<105).map { try SyntheticFaces.template(seed: UInt64($0)) } + [try SyntheticFaces.template(seed: 11, near: alice.values)]
        let probe = try f.terminal.frame(faces.map { BiometricObject.face($0, purpose: .verify, transaction: tx) })
        let refusal = await Self.expectNoDoubleCounting { try await f.engine.verify(probe, claimedSubject: "alice", tier: "low") }
        #expect(refusal?.code == .unsupportedObject, "a probe carries one face")
    }

    /// A multi-view ISO/IEC 19794-2 record enrolls each view as its own reference at its own
    /// position, and matching reads the view the reference stands for.
    @Test func eachViewOfAMultiViewRecordIsItsOwnReference() async throws {
        let f = try EngineFixture()
        let index = try Self.finger("finger/p1_1.png").record(format: .iso19794_2_2005, position: .rightIndex)
        let ring = try Self.finger("finger/p2_1.png").record(format: .iso19794_2_2005, position: .rightRing)
        var both = index
        both.views = index.views + ring.views
        let enrollment = BiometricObject(header: BiometricHeader(dataType: .processed, purpose: .enrollVerify, format: .isoFingerMinutiae),
                                         data: try both.encoded())
        let receipt = try await f.engine.enroll(try f.terminal.frame([enrollment]), subjectID: "alice")
        #expect(receipt.referenceIDs.count == 2)
        let stored = try f.store.activeTemplates(subjectID: "alice", modality: .finger)
        #expect(Set(stored.map(\.info.fingerPosition)) == [2, 4])
        for reference in stored {
            let record = try FingerMinutiaeRecord(bytes: reference.template)
            #expect(record.views.map { Int($0.position) } == [reference.info.fingerPosition], "a reference stores its own view only")
        }
        // The ring finger's own impression, at its position, matches its reference.
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let probe = try f.terminal.frame([try .finger(try Self.finger("finger/p2_1.png"), position: .rightRing, purpose: .verify, transaction: tx)])
        let decision = try await f.engine.verify(probe, claimedSubject: "alice", tier: "low")
        #expect(decision.isMatch && decision.modalityScores.first?.fingerPosition == 4)
    }

    /// A reference that cannot be read stops the decision instead of being skipped.
    @Test func anUnreadableReferenceIsAnErrorNotASkip() async throws {
        let f = try EngineFixture()
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p1_1.png"), position: .rightIndex, subjectID: "alice")
        // A reference whose sealed bytes are no valid template (a faulty writer, an old bug).
        _ = try f.store.enroll([
            ReferenceDraft(subjectID: "alice", modality: .face, modelID: "sface-2021dec", modelVersion: "2021dec", quality: 80, template: [1, 2, 3]),
            ReferenceDraft(subjectID: "alice", modality: .finger, fingerPosition: 2, modelID: Engine.fingerModelID,
                           modelVersion: Engine.fingerModelVersion, quality: 80, template: Array("FMR\0 20\0".utf8)),
        ])
        let face = try f.terminal.probe(try SyntheticFaces.template(seed: 11, near: alice.values), at: f.clock.date)
        let faceRefusal = await Self.expectNoDoubleCounting { try await f.engine.verify(face, claimedSubject: "alice", tier: "low") }
        #expect(faceRefusal?.code == .unreadableReference, "the unreadable face reference withholds the decision")
        let tx = BiometricTransaction.fresh(at: f.clock.date)
        let finger = try f.terminal.frame([try .finger(try Self.finger("finger/p1_2.png"), position: .rightIndex, purpose: .verify, transaction: tx)])
        let fingerRefusal = await Self.expectNoDoubleCounting { try await f.engine.verify(finger, claimedSubject: "alice", tier: "low") }
        #expect(fingerRefusal?.code == .unreadableReference, "the unreadable finger reference withholds the decision")
    }

    /// Several references of one subject: the best of N is decided at FMR target / N, and
    /// where that lies beyond the calibration the engine says so instead of deciding.
    @Test func aBestOfNReferencesIsDecidedAtTheTargetOverN() async throws {
        var configuration = EngineConfiguration.standard
        configuration.tiers = [RiskTier(name: "t1e-3", maximumAmount: nil, fmrTarget: .oneInThousand),
                               RiskTier(name: "t1e-5", maximumAmount: nil, fmrTarget: .oneInHundredThousand)]
        let f = try EngineFixture(configuration: configuration)
        let alice = try SyntheticFaces.template(seed: 1)
        for seed in [21, 22, 23] as [UInt64] {
            _ = try await f.engine.enroll(try f.terminal.frame([.face(try SyntheticFaces.template(seed: seed, near: alice.values), purpose: .enrollVerify)]),
                                          subjectID: "alice")
        }
        let decision = try await f.engine.verify(try f.terminal.probe(try SyntheticFaces.template(seed: 11, near: alice.values), at: f.clock.date),
                                                 claimedSubject: "alice", tier: "t1e-3")
        let normalizer = try ScoreNormalizer(calibration: SyntheticFaces.comparator.calibration)
        #expect(decision.modalityScores.count == 1 && decision.modalityScores[0].comparisons == 3)
        #expect(abs(decision.threshold - normalizer.threshold(forRate: 1e-3 / 3)) < 1e-9)
        #expect(decision.threshold > Double(try SyntheticFaces.comparator.threshold(for: .oneInThousand)))
        #expect(abs(decision.modalityScores[0].evidence - max(0, normalizer.evidence(decision.score) - log10(3))) < 1e-9)
        let beyond = await expectRefusal(.unsupportedOperation) {
            try await f.engine.verify(try f.terminal.probe(try SyntheticFaces.template(seed: 12, near: alice.values), at: f.clock.date),
                                      claimedSubject: "alice", tier: "t1e-5")
        }
        #expect(beyond?.message.contains("best of 3") == true)
    }

    /// A finger probe at unknown position is compared with every reference, as one best-of-N.
    @Test func aFingerOfUnknownPositionIsOneBestOfNComparison() async throws {
        let f = try EngineFixture()
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p1_1.png"), position: .rightIndex, subjectID: "alice")
        _ = try await f.engine.enroll(fingerImage: try Self.bytes("finger/p2_1.png"), position: .rightMiddle, subjectID: "alice")
        let probe = try f.terminal.frame([try .finger(try Self.finger("finger/p1_2.png"), position: .unknown, purpose: .verify,
                                                      transaction: .fresh(at: f.clock.date))])
        let decision = try await f.engine.verify(probe, claimedSubject: "alice", tier: "low")
        #expect(decision.modalityScores.count == 1 && decision.modalityScores[0].comparisons == 2 && decision.isMatch)
    }

    /// A terminal's own passive PAD score, however high, does not pass a tier that requires
    /// liveness: the engine must have judged the capture itself.
    @Test func aTerminalsLivenessScoreAloneDoesNotPassTheStandardTier() async throws {
        var configuration = EngineConfiguration.standard
        configuration.livenessCalibration = LivenessCalibration(measured: [.passiveFace: PADCalibration(
            points: [.init(apcer: 0.05, threshold: 0.6, bpcer: 0.05)], bonaFideCount: 100, attackCounts: ["print": 100])])
        let f = try EngineFixture(configuration: configuration)
        let alice = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(alice, purpose: .enrollVerify)]), subjectID: "alice")
        let probe = try f.terminal.probe(try SyntheticFaces.template(seed: 11, near: alice.values), at: f.clock.date,
                                         liveness: [LivenessScore(check: .passiveFace, score: 1)])
        let refusal = await Self.expectNoDoubleCounting { try await f.engine.verify(probe, claimedSubject: "alice", tier: "standard") }
        #expect(refusal?.code == .livenessRequired, "a template with a terminal's score of 1.0 is refused at tier standard")
    }
}
