import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import BiomatchSupport
import Crypto
import Foundation
import Logging
import NIOPosix

/// The one type a terminal needs: enroll, verify (1:1), identify (1:N) and revoke, taking
/// framed X9.84 / GB/T 27912 objects (or raw images on a trusted local path) and returning
/// decisions calibrated to each risk tier's FMR target, every one of them journaled.
///
/// The engine composes the other modules and adds no matching logic of its own: face
/// comparison and thresholds come from ``FaceComparator``, finger comparison from
/// ``FingerprintMatcher``, fusion from ``ScoreFusion``, references and the audit journal
/// from ``TemplateStore``, framing from ``BiometricMessage``. What it adds is policy: the
/// purpose must fit the operation, objects must be within their validity period, probes
/// must be fresh and not replayed, quality and liveness must clear the tier's floors.
///
/// One engine serves any number of concurrent callers: its requests run side by side on a
/// pool of threads kept for blocking work (model inference, store I/O, 1:N scans), never on
/// the Swift concurrency threads the caller's tasks share. Only the 1:N galleries are shared
/// state, behind a lock; a search scans a snapshot of them.
public final class Engine: Sendable {
    /// The policy in force.
    public let configuration: EngineConfiguration
    let store: TemplateStore
    let keys: FramingKeys
    let facePipeline: FacePipeline?
    let faceComparator: FaceComparator?
    let fingerMatcher = FingerprintMatcher()
    let fingerExtractor = MinutiaeExtractor()
    let faceNormalizer: ScoreNormalizer?
    let fingerNormalizer: ScoreNormalizer
    let clock: @Sendable () -> Date
    /// The 1:N galleries, loaded on the first identification and kept in step with the store.
    let identificationGalleries = LockedValue<IdentificationGalleries?>(nil)
    /// Serialises loading the galleries, so concurrent first searches wait for one load (the
    /// change feed is applied under the galleries' own lock, and searches wait for it only
    /// when the feed has something to apply).
    let gallerySynchronization = NSLock()
    let livenessAssessor: LivenessAssessor?
    /// The configuration's liveness thresholds, completed by the assessor's model
    /// calibrations, so the checks the engine runs are decided by their own calibration.
    let livenessCalibration: LivenessCalibration
    let challengeKey: SymmetricKey?
    let logger = Logger(label: "biomatch.engine")

    /// Model id under which finger references are stored (an ISO/IEC 19794-2 record each).
    public static let fingerModelID = "iso19794-2-mcc"
    /// Version of ``fingerModelID``.
    public static let fingerModelVersion = "1"

    /// An engine over `store`.
    ///
    /// - Parameters:
    ///   - keys: the MAC, encryption and signer keys objects may name.
    ///   - facePipeline: needed for raw face images (capture and embedding).
    ///   - faceComparator: needed for face decisions (its calibration gives the thresholds).
    ///   - livenessAssessor: runs the presentation-attack checks a tier requires on the
    ///     captures probes carry (face and finger image records) and on raw face images; its
    ///     models' calibrations decide those checks unless the configuration gives others.
    ///   - challengeKey: authenticates the active challenges the engine issues (every node
    ///     of a deployment holds the same); nil: no challenges.
    ///   - clock: the engine's time (injectable for tests).
    /// - Throws: ``EngineError`` `unsupportedOperation` when a calibration cannot be used for fusion.
    public init(store: TemplateStore, keys: FramingKeys, configuration: EngineConfiguration = .standard,
                facePipeline: FacePipeline? = nil, faceComparator: FaceComparator? = nil,
                livenessAssessor: LivenessAssessor? = nil, challengeKey: SymmetricKey? = nil,
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.store = store
        self.keys = keys
        self.configuration = configuration
        self.facePipeline = facePipeline
        self.faceComparator = faceComparator
        self.livenessAssessor = livenessAssessor
        var calibration = configuration.livenessCalibration
        for (check, measured) in livenessAssessor?.calibration.measured ?? [:] where calibration.measured[check] == nil {
            calibration.measured[check] = measured
        }
        livenessCalibration = calibration
        self.challengeKey = challengeKey
        self.clock = clock
        do {
            faceNormalizer = try faceComparator.map { try ScoreNormalizer(calibration: $0.calibration) }
            fingerNormalizer = try ScoreNormalizer(points: FingerprintMatcher.calibration.map {
                ScoreNormalizer.Point(threshold: $0.threshold, rate: $0.rate)
            })
        } catch {
            throw EngineError(.unsupportedOperation, "a matcher calibration cannot be used for score fusion: \(error)")
        }
    }
}

// MARK: - Where requests run

extension Engine {
    /// The threads requests run on, one per core: more would only take turns on the cores
    /// (measured with `bench engine`: twice the cores lowered the throughput at two callers).
    static let requestThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(2, ProcessInfo.processInfo.activeProcessorCount))
        pool.start()
        return pool
    }()

    /// Runs a request's synchronous work (inference, store I/O, searches) on ``requestThreads``
    /// and resumes the caller with its result: a request that blocks never holds one of the
    /// cooperative threads every task of the process shares.
    func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.requestThreads.runIfActive(work)
    }
}

// MARK: - Admission: framing, protection and policy

/// The operations a request can ask for.
enum Operation: String {
    case verify, identify, enroll

    var auditAction: AuditAction {
        switch self {
        case .verify: return .verify
        case .identify: return .identify
        case .enroll: return .enroll
        }
    }

    var purposes: Set<BiometricPurpose> {
        switch self {
        case .verify: return [.verify]
        case .identify: return [.identify]
        case .enroll: return [.enroll, .enrollVerify, .enrollIdentity]
        }
    }

    var isProbe: Bool { self != .enroll }
}

/// A request that passed framing, protection and policy.
struct AdmittedRequest {
    var objects: [BiometricObject]
    var protection: ProtectionSummary
    var transaction: BiometricTransaction?
}

extension Engine {
    /// Decodes, authenticates and checks a framed request; any refusal is journaled first.
    ///
    /// `payment`: the payment the request is presented for; the objects must be bound to it
    /// (and to none when it is nil).
    func admit(_ bytes: [UInt8], for operation: Operation, subjectID: String?, payment: PaymentContext?) throws -> AdmittedRequest {
        do {
            return try admitUnjournaled(bytes, for: operation, payment: payment)
        } catch let error as EngineError {
            throw journalRefusal(error, operation: operation, subjectID: subjectID)
        }
    }

    /// Journals a refusal and returns the error carrying the entry's sequence.
    ///
    /// `transaction`: the admitted probe's transaction, which the entry then concludes (so it
    /// is refused as a replay even if the replay table is emptied).
    func journalRefusal(_ error: EngineError, operation: Operation, subjectID: String?, detail: String = "",
                        transaction: BiometricTransaction? = nil) -> EngineError {
        var error = error
        do {
            let outcome = "refused:\(error.code)", text = detail.isEmpty ? error.message : detail
            if let transaction {
                error.auditSequence = try store.recordConclusion(operation.auditAction, subjectID: subjectID, referenceID: nil, outcome: outcome,
                                                                 detail: text, transactionID: transaction.idHex,
                                                                 spentUntil: spentUntil(transaction), now: Self.milliseconds(clock()),
                                                                 ifAlreadySpent: nil).sequence
            } else {
                error.auditSequence = try store.recordMatch(operation.auditAction, subjectID: subjectID, outcome: outcome, detail: text)
            }
        } catch {
            // The refusal stands either way; an unjournaled one is logged loudly.
            logger.error("could not journal a refusal", metadata: ["code": "\(error)"])
        }
        logger.info("refused", metadata: ["operation": "\(operation.rawValue)", "code": "\(error.code)",
                                          "audit": "\(error.auditSequence.map(String.init) ?? "none")"])
        return error
    }

    private func admitUnjournaled(_ bytes: [UInt8], for operation: Operation, payment: PaymentContext?) throws -> AdmittedRequest {
        let message: BiometricMessage
        do {
            message = try BiometricMessage(derEncoded: bytes)
        } catch let error as FramingError {
            throw Self.engineError(error)
        }
        guard message.elements.count == 1, let element = message.elements.first else {
            throw EngineError(.unsupportedObject, "a request carries exactly one BiometricSyntax element, not \(message.elements.count)")
        }
        let hasIntegrity = element.integrityBlock != nil, hasPrivacy = element.encryptionKeyName != nil
        if operation.isProbe {
            if configuration.probesRequireIntegrity && !hasIntegrity {
                throw EngineError(.protectionRequired, "\(operation.rawValue) probes must be integrity-protected (MAC or signature); this one is \(element.form)")
            }
            if configuration.probesRequirePrivacy && !hasPrivacy {
                throw EngineError(.protectionRequired, "\(operation.rawValue) probes must be encrypted (privacy block); this one is \(element.form)")
            }
        } else if configuration.enrollmentRequiresIntegrity && !hasIntegrity {
            throw EngineError(.protectionRequired, "enrollment objects must be integrity-protected (MAC or signature); this one is \(element.form)")
        }
        let opened: (objects: [BiometricObject], protection: ProtectionSummary)
        do {
            opened = try element.open(keys: keys)
        } catch let error as FramingError {
            throw Self.engineError(error)
        }
        let now = clock()
        let terminal = try checkKeys(opened.protection, for: operation, at: now)
        if let terminal, let payment, payment.terminal != terminal {
            throw EngineError(.paymentMismatch, "the probe was protected by terminal \(terminal)'s key but presented for a payment at terminal \(payment.terminal)")
        }
        var transaction: BiometricTransaction?
        for (i, object) in opened.objects.enumerated() {
            let header = object.header
            guard let purpose = header.purpose else {
                throw EngineError(.purposeMismatch, "object \(i + 1) states no purpose; \(operation.rawValue) needs \(Self.names(operation.purposes))")
            }
            guard operation.purposes.contains(purpose) else {
                throw EngineError(.purposeMismatch, "object \(i + 1) was made for \(purpose) and cannot be used to \(operation.rawValue) (needs \(Self.names(operation.purposes)))")
            }
            if let notAfter = header.validity?.notAfter, now > notAfter.addingTimeInterval(configuration.clockSkew) {
                throw EngineError(.expired, "object \(i + 1) expired at \(Self.iso(notAfter)); now \(Self.iso(now))")
            }
            if let notBefore = header.validity?.notBefore, now < notBefore.addingTimeInterval(-configuration.clockSkew) {
                throw EngineError(.notYetValid, "object \(i + 1) is valid from \(Self.iso(notBefore)); now \(Self.iso(now))")
            }
            if let quality = header.quality, quality >= 0 {
                let floor = operation.isProbe ? configuration.probeQualityFloor : configuration.enrollmentQualityFloor
                guard quality >= floor else {
                    throw EngineError(.qualityTooLow, "object \(i + 1) has quality \(quality), under the \(operation.rawValue) floor \(floor)")
                }
            }
            if let t = header.transaction {
                if let first = transaction, first != t {
                    throw EngineError(.unsupportedObject, "the objects of one request carry different transactions")
                }
                transaction = t
            }
        }
        // Before the replay memory: a probe presented for the wrong payment does not spend its id.
        try Self.checkPaymentBinding(opened.objects, payment: payment)
        if operation.isProbe || transaction != nil {
            guard let transaction else {
                throw EngineError(.transactionRequired, "\(operation.rawValue) probes must carry a transaction id and capture time (header field [7])")
            }
            let window = configuration.freshnessWindow, skew = configuration.clockSkew
            if transaction.time > now.addingTimeInterval(skew) {
                throw EngineError(.stale, "the probe's capture time \(Self.iso(transaction.time)) is ahead of the engine's clock \(Self.iso(now)) by more than \(Int(skew)) s")
            }
            if now.timeIntervalSince(transaction.time) > window + skew {
                throw EngineError(.stale, "the probe was captured at \(Self.iso(transaction.time)), more than \(Int(window)) s (+\(Int(skew)) s skew) before \(Self.iso(now))")
            }
            // A probe's replay is refused here, before any work; its id is spent when the
            // request concludes (its decision or refusal journaled in the same write, shared by
            // every process and node on the store). An enrollment object's id is spent here
            // (enrollment journals through the store's own writes). Both only after
            // authentication, so an attacker cannot burn ids.
            let spent: Bool
            do {
                if operation.isProbe {
                    spent = try store.isTransactionSpent(transaction.idHex, now: Self.milliseconds(now))
                } else {
                    spent = try !store.rememberTransaction(transaction.idHex, until: spentUntil(transaction), now: Self.milliseconds(now))
                }
            } catch {
                throw EngineError(.store, "the replay memory could not be used, so the object is refused: \(error)")
            }
            guard !spent else {
                throw EngineError(.replayed, "transaction \(transaction.idHex) was already presented; a probe is accepted once")
            }
        }
        return AdmittedRequest(objects: opened.objects, protection: opened.protection, transaction: transaction)
    }

    /// Checks the keys that protected a request: each of the purpose the operation needs,
    /// terminal keys within their dates and of a terminal not revoked, and all of one
    /// terminal. Returns that terminal, if terminal keys were used.
    func checkKeys(_ protection: ProtectionSummary, for operation: Operation, at now: Date) throws -> String? {
        let needed: FramingKeyPurpose = operation.isProbe ? .probe : .enrollment
        var terminal: String?
        var names = [protection.integrityKeyName, protection.encryptionKeyName].compactMap { $0 }
        names = names.filter { !$0.isEmpty }
        for name in names {
            let (purpose, terminalKey) = try Self.keyFacts(name, keys)
            if let purpose, purpose != needed {
                throw EngineError(.keyPurposeMismatch, "key \(name) is for \(purpose.rawValue) objects and cannot protect \(operation.rawValue) objects")
            }
            guard let terminalKey else { continue }
            guard !configuration.revokedTerminals.contains(terminalKey.terminalID) else {
                throw EngineError(.keyNotValid, "terminal \(terminalKey.terminalID) is revoked; its keys are no longer accepted")
            }
            if let master = keys.terminalMasters[terminalKey.masterID],
               terminalKey.validUntil.timeIntervalSince(terminalKey.validFrom) > master.maximumValidity {
                throw EngineError(.keyNotValid, "terminal key \(name) states a validity longer than master \(master.id) allows (\(Int(master.maximumValidity / 86_400)) days)")
            }
            guard terminalKey.isValid(at: now, skew: configuration.clockSkew) else {
                throw EngineError(.keyNotValid, "terminal key \(name) is valid from \(Self.iso(terminalKey.validFrom)) until \(Self.iso(terminalKey.validUntil)); now \(Self.iso(now))")
            }
            if let terminal, terminal != terminalKey.terminalID {
                throw EngineError(.keyNotValid, "the request is protected under the keys of two terminals (\(terminal), \(terminalKey.terminalID))")
            }
            terminal = terminalKey.terminalID
        }
        if operation.isProbe && configuration.probesRequireTerminalKeys,
           let integrityName = protection.integrityKeyName, (try? TerminalKeyName(parsing: integrityName)) == nil {
            throw EngineError(.keyNotValid, "probes must be protected under a per-terminal key (tk1/…), not the shared key \(integrityName)")
        }
        return terminal
    }

    private static func keyFacts(_ name: String, _ keys: FramingKeys) throws -> (FramingKeyPurpose?, TerminalKeyName?) {
        let result: Result<(FramingKeyPurpose?, TerminalKeyName?), FramingError> = Result { () throws(FramingError) in
            (try keys.purpose(ofKeyNamed: name), try TerminalKeyName(parsing: name))
        }
        switch result {
        case .success(let facts): return facts
        case .failure(let error): throw engineError(error)
        }
    }

    /// Checks that every object is bound to `payment` (its digest, under the message's
    /// protection), or that none is bound when no payment is presented.
    static func checkPaymentBinding(_ objects: [BiometricObject], payment: PaymentContext?) throws {
        let digests = objects.map(\.header.paymentDigest)
        guard let first = digests.first, digests.allSatisfy({ $0 == first }) else {
            throw EngineError(.unsupportedObject, "the objects of one request are bound to different payments (or only some of them are)")
        }
        switch (payment, first) {
        case (nil, nil):
            return
        case (nil, _?):
            throw EngineError(.paymentMismatch, "the probe is bound to a payment; present it with that payment's context, or have the terminal frame an unbound probe")
        case (let payment?, nil):
            throw EngineError(.paymentMismatch, "a payment of \(payment.displayAmount) was presented but the probe is bound to no payment; the terminal binds it with the payment the payer saw (`object make --payment`)")
        case (let payment?, let digest?):
            guard payment.matches(digest: digest) else {
                throw EngineError(.paymentMismatch, "the probe was bound to another payment than the one presented (\(payment.displayAmount) to \(payment.payee)): amount, currency, payee, terminal or reference differ")
            }
        }
    }

    static func engineError(_ error: FramingError) -> EngineError {
        switch error.code {
        case .unknownKey: return EngineError(.unknownKey, error.message)
        case .integrity: return EngineError(.integrityFailure, error.message)
        case .decryption: return EngineError(.decryptionFailure, error.message)
        case .unsupportedAlgorithm, .unsupportedProtection, .unsupportedVersion: return EngineError(.unsupportedObject, error.description)
        default: return EngineError(.malformedObject, error.description)
        }
    }

    static func names(_ purposes: Set<BiometricPurpose>) -> String {
        purposes.map { "\($0)" }.sorted().joined(separator: " or ")
    }

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// Until when a transaction id stays spent: past its probe's freshness window (with the
    /// clock skew on both sides), after which the probe is refused as stale anyway.
    func spentUntil(_ transaction: BiometricTransaction) -> Int64 {
        Self.milliseconds(transaction.time.addingTimeInterval(configuration.freshnessWindow + 2 * configuration.clockSkew))
    }

    static func milliseconds(_ date: Date) -> Int64 { UnixMilliseconds.of(date) }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
