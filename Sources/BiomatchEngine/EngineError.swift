/// The error the engine reports when it refuses a request.
///
/// Every refusal of a verify, identify or enroll request is journaled before it is thrown;
/// ``auditSequence`` cites the entry. Messages name fields, keys and ids, never templates.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is. New codes may be added; switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String {
            case malformedObject, unsupportedObject, protectionRequired, unknownKey, integrityFailure, decryptionFailure
            case purposeMismatch, expired, notYetValid, transactionRequired, stale, replayed
            case qualityTooLow, livenessRequired, livenessFailed, unknownTier
            case unknownSubject, noActiveReference, invalidTemplate, incompatibleTemplate, captureFailed, store, unsupportedOperation
            case duplicateFinger, unreadableReference, paymentMismatch, invalidPayment, tierTooWeak
            case galleryTooLarge, ambiguousIdentification, keyPurposeMismatch, keyNotValid
        }
        fileprivate let kind: Kind
        public var description: String { kind.rawValue }

        /// The object is not valid DER of the X9.84 syntax (details in the message).
        public static let malformedObject = Code(kind: .malformedObject)
        /// The object is valid but carries a form, format or number of parts the engine does not take.
        public static let unsupportedObject = Code(kind: .unsupportedObject)
        /// The object lacks the integrity or privacy protection the configuration requires.
        public static let protectionRequired = Code(kind: .protectionRequired)
        /// The object names a MAC, signing or encryption key the engine does not hold.
        public static let unknownKey = Code(kind: .unknownKey)
        /// A MAC or signature does not verify (altered, or made with another key).
        public static let integrityFailure = Code(kind: .integrityFailure)
        /// The privacy block does not decrypt (altered, or another key).
        public static let decryptionFailure = Code(kind: .decryptionFailure)
        /// The object's purpose does not fit the operation (an `enroll` object sent to verify).
        public static let purposeMismatch = Code(kind: .purposeMismatch)
        /// The object's validity period has ended.
        public static let expired = Code(kind: .expired)
        /// The object's validity period has not begun.
        public static let notYetValid = Code(kind: .notYetValid)
        /// A probe carries no transaction id and capture time.
        public static let transactionRequired = Code(kind: .transactionRequired)
        /// The probe's capture time lies outside the freshness window.
        public static let stale = Code(kind: .stale)
        /// The probe's transaction id was already used within the window: a replay.
        public static let replayed = Code(kind: .replayed)
        /// The sample's quality is under the floor.
        public static let qualityTooLow = Code(kind: .qualityTooLow)
        /// The risk tier requires a liveness check and none was supplied.
        public static let livenessRequired = Code(kind: .livenessRequired)
        /// The liveness score is under the tier's threshold.
        public static let livenessFailed = Code(kind: .livenessFailed)
        /// No risk tier has that name.
        public static let unknownTier = Code(kind: .unknownTier)
        /// The claimed subject is not enrolled.
        public static let unknownSubject = Code(kind: .unknownSubject)
        /// The subject has no active, currently valid reference of the probe's modality
        /// (revoked or expired).
        public static let noActiveReference = Code(kind: .noActiveReference)
        /// The data inside an object is not a valid template of its announced format.
        public static let invalidTemplate = Code(kind: .invalidTemplate)
        /// The probe and the reference come from different models.
        public static let incompatibleTemplate = Code(kind: .incompatibleTemplate)
        /// No usable face or finger was found in a raw image.
        public static let captureFailed = Code(kind: .captureFailed)
        /// The template store failed (see the message).
        public static let store = Code(kind: .store)
        /// The operation is not available in this configuration.
        public static let unsupportedOperation = Code(kind: .unsupportedOperation)
        /// A probe names one finger position twice, or presents one finger under two positions:
        /// evidence counts once.
        public static let duplicateFinger = Code(kind: .duplicateFinger)
        /// A stored reference of the subject could not be opened or read during matching; the
        /// decision is withheld rather than made without it.
        public static let unreadableReference = Code(kind: .unreadableReference)
        /// The probe is bound to another payment than the one presented, is unbound when a
        /// payment is presented, or is bound when none is.
        public static let paymentMismatch = Code(kind: .paymentMismatch)
        /// The payment context is malformed (a negative, zero or non-numeric amount, a bad
        /// currency code, a missing field).
        public static let invalidPayment = Code(kind: .invalidPayment)
        /// The caller asked for a weaker risk tier than the payment's amount requires.
        public static let tierTooWeak = Code(kind: .tierTooWeak)
        /// An identification would need a per-comparison FMR beyond the matcher's calibration
        /// to hold the tier's false-positive identification rate: search within a partition.
        public static let galleryTooLarge = Code(kind: .galleryTooLarge)
        /// The best and the second-best distinct subject of an identification both match, or
        /// lie within the configured margin of each other: refused, not resolved by rank.
        public static let ambiguousIdentification = Code(kind: .ambiguousIdentification)
        /// The object is protected under a key of another purpose (an enrollment key on a
        /// probe, a probe key on an enrollment).
        public static let keyPurposeMismatch = Code(kind: .keyPurposeMismatch)
        /// The object is protected under a terminal key outside its validity dates, with a
        /// longer validity than the master allows, or of a revoked terminal; or under a
        /// shared key where per-terminal keys are required.
        public static let keyNotValid = Code(kind: .keyNotValid)

        /// Lets `catch EngineError.Code.replayed` match a thrown error by code.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? EngineError)?.code == code
        }
    }

    /// The kind of refusal.
    public let code: Code
    /// What went wrong, for an operator.
    public let message: String
    /// The audit entry that records the refusal, when one was written.
    public internal(set) var auditSequence: Int64?

    /// Creates an error.
    public init(_ code: Code, _ message: String, auditSequence: Int64? = nil) {
        self.code = code
        self.message = message
        self.auditSequence = auditSequence
    }

    public var description: String {
        "\(code): \(message)" + (auditSequence.map { " (audit entry \($0))" } ?? "")
    }
}
