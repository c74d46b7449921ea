import BiomatchFraming
import BiomatchLiveness
import BiomatchSupport
import Crypto
import Foundation

/// An active challenge the engine issued: the prompts the customer must follow, and the
/// transaction id the terminal must frame its answer under.
///
/// The id is a self-authenticating token — version, nonce, issue time, time limit and
/// prompts under a truncated HMAC-SHA256 of the engine's challenge key — so any node that
/// holds the key checks it without shared state, and the store's anti-replay table (the id
/// is the probe's transaction id) makes each challenge single-use across nodes.
public struct IssuedChallenge: Sendable, Hashable, Codable {
    /// The transaction id the answering probe must carry (the token).
    public let transactionID: [UInt8]
    /// The prompts, in the order they must be done.
    public let prompts: [ChallengePrompt]
    /// Seconds from issue to the last prompt done.
    public let timeLimit: Int
    /// When it was issued (whole seconds).
    public let issuedAt: Date

    /// The id in hex, for a terminal's command line.
    public var transactionIDHex: String { Hex.encode(transactionID) }

    init(transactionID: [UInt8], prompts: [ChallengePrompt], timeLimit: Int, issuedAt: Date) {
        self.transactionID = transactionID
        self.prompts = prompts
        self.timeLimit = timeLimit
        self.issuedAt = issuedAt
    }

    static let version: UInt8 = 1
    static let macBytes = 16
    static let promptCodes: [ChallengePrompt] = [.turnLeft, .turnRight, .nod, .moveCloser]

    /// Issues a challenge under `key`.
    static func issue(count: Int, timeLimit: Int, at now: Date, key: SymmetricKey) -> IssuedChallenge {
        var generator = SystemRandomNumberGenerator()
        let prompts = ActiveChallenge.random(count: count, using: &generator).prompts
        let nonce = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let seconds = UInt32(clamping: Int(now.timeIntervalSince1970))
        var body: [UInt8] = [version] + nonce
        body += [UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xFF), UInt8(seconds >> 8 & 0xFF), UInt8(seconds & 0xFF)]
        body += [UInt8(clamping: timeLimit), UInt8(prompts.count)]
        body += prompts.map { p in UInt8(promptCodes.firstIndex(of: p) ?? 0) }
        let mac = Array(HMAC<SHA256>.authenticationCode(for: body, using: key)).prefix(macBytes)
        return IssuedChallenge(transactionID: body + mac, prompts: prompts, timeLimit: Int(UInt8(clamping: timeLimit)),
                               issuedAt: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Reads and authenticates a token.
    ///
    /// - Throws: ``EngineError`` `livenessFailed` for an id that is not a challenge this key issued.
    init(token: [UInt8], key: SymmetricKey) throws {
        let refusal = EngineError(.livenessFailed, "the probe's transaction id is not an active challenge this engine issued")
        guard token.count >= 1 + 12 + 4 + 2 + Self.macBytes, token[0] == Self.version else { throw refusal }
        let body = Array(token.dropLast(Self.macBytes)), mac = Array(token.suffix(Self.macBytes))
        let expected = Array(HMAC<SHA256>.authenticationCode(for: body, using: key)).prefix(Self.macBytes)
        // Constant-time comparison of the truncated MAC.
        guard zip(expected, mac).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { throw refusal }
        let seconds = UInt32(body[13]) << 24 | UInt32(body[14]) << 16 | UInt32(body[15]) << 8 | UInt32(body[16])
        let count = Int(body[18])
        guard body.count == 19 + count, (1...Self.promptCodes.count).contains(count),
              body[19...].allSatisfy({ Int($0) < Self.promptCodes.count }) else { throw refusal }
        self.init(transactionID: token, prompts: body[19...].map { Self.promptCodes[Int($0)] }, timeLimit: Int(body[17]),
                  issuedAt: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

extension Engine {
    /// Issues a fresh active challenge: `count` distinct prompts in random order, to be done
    /// within `timeLimit` seconds. The terminal frames its answer — the probe plus a landmark
    /// track (``BiometricObject/landmarkTrack(_:purpose:transaction:)``) — under the returned
    /// transaction id; the engine checks the track itself.
    ///
    /// - Throws: ``EngineError`` `unsupportedOperation` when the engine has no challenge key.
    public func issueChallenge(count: Int = 3, timeLimit: Int = 10) throws -> IssuedChallenge {
        guard let key = challengeKey else {
            throw EngineError(.unsupportedOperation, "this engine issues no active challenges: it has no challenge key")
        }
        return IssuedChallenge.issue(count: max(1, min(count, 4)), timeLimit: max(2, min(timeLimit, 60)), at: clock(), key: key)
    }

    /// The engine's own active-challenge score, when the request carries a landmark track
    /// answering a challenge this engine issued; nil when it carries none.
    ///
    /// - Throws: ``EngineError`` for more than one track, a track without an engine-issued
    ///   challenge, or a challenge answered too late.
    func challengeScore(_ objects: [BiometricObject], transaction: BiometricTransaction?) throws -> LivenessScore? {
        let tracks = objects.filter { $0.header.format == .biomatchLandmarkTrack }
        guard !tracks.isEmpty else { return nil }
        guard tracks.count == 1, let track = tracks.first else {
            throw EngineError(.unsupportedObject, "a request carries at most one landmark track")
        }
        return try challengeScore(track, transaction: transaction)
    }

    /// Checks a landmark track against the challenge its transaction id names.
    func challengeScore(_ object: BiometricObject, transaction: BiometricTransaction?) throws -> LivenessScore {
        guard let key = challengeKey else {
            throw EngineError(.livenessFailed, "the probe answers an active challenge, but this engine has no challenge key to check it")
        }
        guard let transaction else {
            throw EngineError(.transactionRequired, "a landmark track must come under the transaction id of an issued challenge")
        }
        let issued = try IssuedChallenge(token: transaction.id, key: key)
        // Judged on the engine's clock alone: the issue time is the engine's (inside the
        // token), and the answer must arrive within the time limit and a few seconds more.
        let age = clock().timeIntervalSince(issued.issuedAt), window = configuration.challengeArrivalWindow
        guard age >= -window, age <= Double(issued.timeLimit) + window else {
            throw EngineError(.stale, "the active challenge was issued \(Int(age.rounded())) s ago by the engine's clock; its answer had \(issued.timeLimit) s and \(Int(window)) s to arrive")
        }
        let track: LandmarkTrack
        do { track = try LandmarkTrack(serialized: object.data) } catch {
            throw EngineError(.invalidTemplate, "the landmark track is invalid: \(error)")
        }
        do {
            let result = try ActiveChallenge(prompts: issued.prompts, timeLimit: Double(issued.timeLimit)).verify(track.frames)
            return LivenessScore(check: .activeChallenge, score: result.passed ? 1 : 0,
                                 detail: result.passed ? result.livenessScore.detail : result.reasons.joined(separator: "; "))
        } catch {
            throw EngineError(.invalidTemplate, "the landmark track cannot be checked: \(error)")
        }
    }
}

extension BiometricObject {
    /// A landmark track answering an engine-issued challenge, framed for `purpose`; its
    /// transaction must be the challenge's (``IssuedChallenge/transactionID``).
    public static func landmarkTrack(_ track: LandmarkTrack, purpose: BiometricPurpose, transaction: BiometricTransaction,
                                     payment: PaymentContext? = nil) -> BiometricObject {
        BiometricObject(header: BiometricHeader(dataType: .intermediate, purpose: purpose, format: .biomatchLandmarkTrack, transaction: transaction,
                                                paymentDigest: payment?.digest),
                        data: track.serialized())
    }
}
