/// The error every throwing API of BiomatchStore reports.
///
/// Match on the code: `catch StoreError.Code.integrity { … }`. Messages name the store,
/// the key id or the reference id involved, never key material or template bytes.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String {
            case keyUnavailable, keyFileInsecure, invalidKey, wrongKey
            case storeMissing, storeExists, unsupportedStore, backend
            case integrity, notFound, duplicate, revoked, invalidArgument, rotationInProgress, keyInUse
        }
        fileprivate let kind: Kind
        public var description: String { kind.rawValue }

        /// The key file, environment variable or passphrase named for the store is missing.
        public static let keyUnavailable = Code(kind: .keyUnavailable)
        /// The key file can be read by its group or by others (mode must be 0600 or 0400).
        public static let keyFileInsecure = Code(kind: .keyFileInsecure)
        /// The key material is not a 256-bit key in a recognised encoding.
        public static let invalidKey = Code(kind: .invalidKey)
        /// The key is not one of the store's key-encryption keys.
        public static let wrongKey = Code(kind: .wrongKey)
        /// No store exists at the location given.
        public static let storeMissing = Code(kind: .storeMissing)
        /// A store already exists where a new one was to be created.
        public static let storeExists = Code(kind: .storeExists)
        /// The location holds something that is not a Biomatch store of a version this build reads.
        public static let unsupportedStore = Code(kind: .unsupportedStore)
        /// The database failed (I/O, locking, connection, constraint).
        public static let backend = Code(kind: .backend)
        /// A stored record, key or journal entry fails its authentication check: it was altered.
        public static let integrity = Code(kind: .integrity)
        /// No subject or reference has the id given.
        public static let notFound = Code(kind: .notFound)
        /// A reference with that id is already stored.
        public static let duplicate = Code(kind: .duplicate)
        /// The reference or subject is revoked.
        public static let revoked = Code(kind: .revoked)
        /// An argument is out of range or malformed.
        public static let invalidArgument = Code(kind: .invalidArgument)
        /// The operation needs the key rotation in progress to finish first.
        public static let rotationInProgress = Code(kind: .rotationInProgress)
        /// A key cannot be retired while records are still wrapped under it.
        public static let keyInUse = Code(kind: .keyInUse)

        /// Lets `catch StoreError.Code.integrity` match a thrown error by code.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? StoreError)?.code == code
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, for an operator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
