@testable import BiomatchEngine
import BiomatchFace
import BiomatchFraming
import BiomatchLiveness
import Crypto
import Foundation
import Testing

/// The engine issues the active challenge and checks the answer itself: landmark tracks of a
/// synthetic head (nose 30 mm in front of the eye–mouth plane) and of a flat picture, under
/// the same motions, framed with the probe under the challenge's transaction id.
@Suite struct ActiveChallengeEngineTests {
    /// A head seen by a 600 px camera at `distance` mm, turned by `yaw` and tipped by `pitch` degrees.
    static func frame(time: Double, yaw: Double = 0, pitch: Double = 0, distance: Double = 500, flat: Bool = false) -> LandmarkFrame {
        let model: [(Double, Double, Double)] = [(-32, -30, 0), (32, -30, 0), (0, 5, flat ? 0 : 30), (-25, 35, 0), (25, 35, 0)]
        let (cy, sy, cp, sp) = (cos(yaw * .pi / 180), sin(yaw * .pi / 180), cos(pitch * .pi / 180), sin(pitch * .pi / 180))
        return LandmarkFrame(time: time, points: model.map { (x, y, z) in
            let x1 = x * cy + z * sy, z1 = -x * sy + z * cy       // yaw about the vertical axis
            let y2 = y * cp - z1 * sp, z2 = y * sp + z1 * cp      // pitch about the horizontal axis
            return ImagePoint(x: 320 + 600 * x1 / (distance - z2), y: 240 + 600 * y2 / (distance - z2))
        })
    }

    /// Frames doing `prompts` in order: each ramps out over three frames and back, 0.2 s apart.
    static func track(_ prompts: [ChallengePrompt], flat: Bool = false) throws -> LandmarkTrack {
        var frames = [frame(time: 0, flat: flat)]
        var t = 0.0
        for prompt in prompts {
            for step in [1.0 / 3, 2.0 / 3, 1, 2.0 / 3, 1.0 / 3, 0] {
                t += 0.2
                switch prompt {
                case .turnLeft: frames.append(frame(time: t, yaw: 25 * step, flat: flat))
                case .turnRight: frames.append(frame(time: t, yaw: -25 * step, flat: flat))
                case .nod: frames.append(frame(time: t, pitch: 20 * step, flat: flat))
                case .moveCloser: frames.append(frame(time: t, distance: 500 - 120 * step, flat: flat))
                }
            }
        }
        return try LandmarkTrack(frames: frames)
    }

    /// The standard tiers, but the high one requires the active challenge alone (the one
    /// check the engine runs on a landmark track, so synthetic faces suffice); the terminal's
    /// passive score rides along as advisory.
    static func configuration() -> EngineConfiguration {
        var configuration = EngineConfiguration.standard
        configuration.tiers[2].liveness = LivenessRequirement(checks: [.activeChallenge], targetAPCER: 0.01)
        configuration.livenessCalibration = LivenessCalibration(measured: [.passiveFace: PADCalibration(
            points: [.init(apcer: 0.01, threshold: 0.8, bpcer: 0.2)], bonaFideCount: 100, attackCounts: ["print": 100])])
        return configuration
    }

    func enrolledFixture(key: SymmetricKey) async throws -> (EngineFixture, FaceTemplate) {
        let f = try EngineFixture(configuration: Self.configuration(), challengeKey: key)
        let template = try SyntheticFaces.template(seed: 1)
        _ = try await f.engine.enroll(try f.terminal.frame([.face(template, purpose: .enrollVerify)],
                                                           protection: .integrity(.signature(keyName: "t1/sig", key: f.terminal.signingKey))),
                                      subjectID: "alice")
        return (f, try SyntheticFaces.template(seed: 11, near: template.values))
    }

    /// The answer a terminal sends: the face (with its passive score) and the track, under the challenge's id.
    func answer(_ f: EngineFixture, _ probe: FaceTemplate, _ challenge: IssuedChallenge, _ track: LandmarkTrack, id: [UInt8]? = nil) throws -> [UInt8] {
        let tx = BiometricTransaction(id: id ?? challenge.transactionID, time: f.clock.date)
        return try f.terminal.frame([.face(probe, purpose: .verify, transaction: tx, liveness: [LivenessScore(check: .passiveFace, score: 0.9)]),
                                     .landmarkTrack(track, purpose: .verify, transaction: tx)])
    }

    @Test func aHeadFollowingTheIssuedPromptsPassesTheHighTierAndTheAnswerIsSingleUse() async throws {
        let (f, probe) = try await enrolledFixture(key: SymmetricKey(size: .bits256))
        let challenge = try f.engine.issueChallenge(count: 3, timeLimit: 10)
        #expect(challenge.prompts.count == 3 && Set(challenge.prompts).count == 3)
        f.clock.advance(4)
        let message = try answer(f, probe, challenge, try Self.track(challenge.prompts))
        let decision = try await f.engine.verify(message, claimedSubject: "alice", tier: "high")
        #expect(decision.isMatch && decision.liveness?.checksRun == [.passiveFace, .activeChallenge])
        #expect(decision.liveness?.checks.first { $0.check == .activeChallenge }?.passed == true)
        // The same challenge answered again (a recorded answer): its id is a spent transaction.
        await expectRefusal(.replayed) { try await f.engine.verify(try answer(f, probe, challenge, try Self.track(challenge.prompts)), claimedSubject: "alice", tier: "high") }
    }

    @Test func flatPicturesWrongOrdersForgedAndLateAnswersAreRefused() async throws {
        let key = SymmetricKey(size: .bits256)
        let (f, probe) = try await enrolledFixture(key: key)
        // A print or screen moved through the right prompts: no nose parallax.
        let c1 = try f.engine.issueChallenge()
        let flat = await expectRefusal(.livenessFailed) { try await f.engine.verify(try answer(f, probe, c1, try Self.track(c1.prompts, flat: true)), claimedSubject: "alice", tier: "high") }
        #expect(flat?.message.contains("flat picture") == true)
        // A replayed video of another challenge: the prompts in another order.
        let c2 = try f.engine.issueChallenge()
        await expectRefusal(.livenessFailed) { try await f.engine.verify(try answer(f, probe, c2, try Self.track(c2.prompts.reversed())), claimedSubject: "alice", tier: "high") }
        // A challenge the engine never issued: another key, or one byte of the token changed.
        let foreign = IssuedChallenge.issue(count: 3, timeLimit: 10, at: f.clock.date, key: SymmetricKey(size: .bits256))
        await expectRefusal(.livenessFailed) { try await f.engine.verify(try answer(f, probe, foreign, try Self.track(foreign.prompts)), claimedSubject: "alice", tier: "high") }
        let c3 = try f.engine.issueChallenge()
        var tampered = c3.transactionID
        tampered[5] ^= 1
        await expectRefusal(.livenessFailed) { try await f.engine.verify(try answer(f, probe, c3, try Self.track(c3.prompts), id: tampered), claimedSubject: "alice", tier: "high") }
        // Answered too late.
        let c4 = try f.engine.issueChallenge(timeLimit: 10)
        let configuration = Self.configuration()
        f.clock.advance(10 + configuration.challengeArrivalWindow + 1)
        await expectRefusal(.stale) { try await f.engine.verify(try answer(f, probe, c4, try Self.track(c4.prompts)), claimedSubject: "alice", tier: "high") }
        // A token round-trips only under its key.
        #expect(try IssuedChallenge(token: c3.transactionID, key: key) == c3)
        #expect(throws: EngineError.self) { _ = try IssuedChallenge(token: Array(c3.transactionID.prefix(20)), key: key) }
    }

    /// An answer must arrive within the challenge's time limit and seconds more, by the
    /// engine's clock: a minute late is too late, whatever capture time the terminal wrote.
    @Test func anAnswerArrivingAMinuteLateIsRefusedByTheEnginesClock() async throws {
        let (f, probe) = try await enrolledFixture(key: SymmetricKey(size: .bits256))
        let challenge = try f.engine.issueChallenge(count: 2, timeLimit: 10)
        f.clock.advance(10 + 60)
        await expectRefusal(.stale) { try await f.engine.verify(try answer(f, probe, challenge, try Self.track(challenge.prompts)), claimedSubject: "alice", tier: "high") }
    }

    @Test func anEngineWithoutAChallengeKeyIssuesNone() async throws {
        let f = try EngineFixture()
        await expectRefusal(.unsupportedOperation, audited: false) { try f.engine.issueChallenge() }
    }

    @Test func landmarkTracksRoundTripAndHostileOnesAreTypedErrors() throws {
        let track = try Self.track([.nod, .turnLeft])
        let decoded = try LandmarkTrack(serialized: track.serialized())
        #expect(decoded.frames.count == track.frames.count)
        for (a, b) in zip(decoded.frames, track.frames) {
            #expect(abs(a.time - b.time) < 1e-3 && zip(a.points, b.points).allSatisfy { abs($0.x - $1.x) < 1e-3 && abs($0.y - $1.y) < 1e-3 })
        }
        let bytes = track.serialized()
        for bad in [Array(bytes.dropLast()), [0xFF, 0xFF] + Array(bytes.dropFirst(2)), [0x00], [UInt8](),
                    [0, 1] + [UInt8](repeating: 0, count: 4) + Array(repeating: [0x7F, 0xC0, 0, 0], count: 10).flatMap { $0 }] {
            #expect(throws: LivenessError.self) { _ = try LandmarkTrack(serialized: bad) }
        }
    }
}
