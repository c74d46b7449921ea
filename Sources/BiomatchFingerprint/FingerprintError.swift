/// The error every throwing API of BiomatchFingerprint reports.
///
/// Match on the code: `catch FingerprintError.Code.truncatedRecord { … }`. The message says
/// what is wrong and where (a byte offset, a view number), never minutia coordinates.
public struct FingerprintError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String {
            case unreadableInput, corruptImage, imageTooSmall, imageTooLarge, invalidResolution
            case noFingerprint, qualityTooLow
            case truncatedRecord, unknownFormat, unsupportedVersion, inconsistentRecord, invalidField, unencodable
            case invalidTemplate, uncalibratedTarget
        }
        fileprivate let kind: Kind
        public var description: String { kind.rawValue }

        /// The file could not be read.
        public static let unreadableInput = Code(kind: .unreadableInput)
        /// The bytes are not a decodable image.
        public static let corruptImage = Code(kind: .corruptImage)
        /// The image is too small to hold a usable fingerprint area.
        public static let imageTooSmall = Code(kind: .imageTooSmall)
        /// The image is larger than the extractor accepts.
        public static let imageTooLarge = Code(kind: .imageTooLarge)
        /// The resolution given with the image is outside 200–1000 dpi.
        public static let invalidResolution = Code(kind: .invalidResolution)
        /// No ridge area, or too few minutiae, were found (a failure to acquire).
        public static let noFingerprint = Code(kind: .noFingerprint)
        /// The capture is below the enrollment quality floor (a failure to enroll).
        public static let qualityTooLow = Code(kind: .qualityTooLow)
        /// A record ends before a field or block it announces.
        public static let truncatedRecord = Code(kind: .truncatedRecord)
        /// The bytes do not start with the "FMR\0" format identifier.
        public static let unknownFormat = Code(kind: .unknownFormat)
        /// The record's version is neither ISO/IEC 19794-2:2005 (" 20") nor ANSI/INCITS 378-2004 ("020").
        public static let unsupportedVersion = Code(kind: .unsupportedVersion)
        /// Declared lengths or counts disagree with the bytes (including trailing bytes).
        public static let inconsistentRecord = Code(kind: .inconsistentRecord)
        /// A field holds a value the standard does not allow.
        public static let invalidField = Code(kind: .invalidField)
        /// A record value cannot be represented in the requested format.
        public static let unencodable = Code(kind: .unencodable)
        /// Serialized template bytes are truncated, of an unknown version or inconsistent.
        public static let invalidTemplate = Code(kind: .invalidTemplate)
        /// No threshold is calibrated for the requested FMR target.
        public static let uncalibratedTarget = Code(kind: .uncalibratedTarget)

        /// Lets `catch FingerprintError.Code.truncatedRecord` match a thrown error by code.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? FingerprintError)?.code == code
        }
    }

    /// The failure's code.
    public let code: Code
    /// What happened and what to do, for an operator.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
