import SwiftASN1

/// The error every throwing API of BiomatchFraming reports.
///
/// Match on the code: `catch FramingError.Code.integrity { … }`. Messages name the field,
/// tag or key involved, never key material or biometric data.
public struct FramingError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String {
            case truncated, trailingBytes, unexpectedTag, missingField, malformed, limitExceeded
            case unsupportedVersion, unsupportedAlgorithm, unsupportedProtection
            case unknownKey, integrity, decryption, invalidArgument
        }
        fileprivate let kind: Kind
        public var description: String { kind.rawValue }

        /// A length runs past the end of the input.
        public static let truncated = Code(kind: .truncated)
        /// Bytes follow the end of the outermost object.
        public static let trailingBytes = Code(kind: .trailingBytes)
        /// An element has a tag other than the one the syntax allows at that place.
        public static let unexpectedTag = Code(kind: .unexpectedTag)
        /// A required element is absent.
        public static let missingField = Code(kind: .missingField)
        /// The bytes are not valid DER, or a value is out of its range.
        public static let malformed = Code(kind: .malformed)
        /// The input is larger or deeper than this decoder accepts.
        public static let limitExceeded = Code(kind: .limitExceeded)
        /// A header or structure version this build does not read.
        public static let unsupportedVersion = Code(kind: .unsupportedVersion)
        /// A MAC, signature or encryption algorithm this build does not implement.
        public static let unsupportedAlgorithm = Code(kind: .unsupportedAlgorithm)
        /// A protection form this build does not implement (fixed key, CMS envelopes).
        public static let unsupportedProtection = Code(kind: .unsupportedProtection)
        /// The object names a key the receiver does not hold.
        public static let unknownKey = Code(kind: .unknownKey)
        /// A MAC or signature does not verify: the object was altered or made with another key.
        public static let integrity = Code(kind: .integrity)
        /// Decryption failed: altered ciphertext or another key of the same name.
        public static let decryption = Code(kind: .decryption)
        /// An argument given to an encoder is out of range.
        public static let invalidArgument = Code(kind: .invalidArgument)

        /// Lets `catch FramingError.Code.integrity` match a thrown error by code.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? FramingError)?.code == code
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

    /// Maps a swift-asn1 parse error to a typed framing error about `what`.
    static func decoding(_ error: any Error, _ what: String) -> FramingError {
        if let framing = error as? FramingError { return framing }
        guard let asn1 = error as? ASN1Error else { return FramingError(.malformed, "\(what): \(error)") }
        // swift-asn1 keeps its reason private; its description is "ASN1Error.code: reason file:line".
        var words = String(describing: asn1).split(separator: " ")
        if words.count > 1 { words.removeLast(); words.removeFirst() }
        let text = words.joined(separator: " ")
        switch asn1.code {
        case .truncatedASN1Field:
            return FramingError(.truncated, "\(what): a length runs past the end of the input")
        case .unexpectedFieldType:
            return FramingError(.unexpectedTag, "\(what): unexpected element (\(text))")
        case .invalidASN1Object where text.contains("Trailing"):
            return FramingError(.trailingBytes, "\(what): bytes follow the end of the object")
        case .invalidASN1Object where text.contains("Excessive stack depth"):
            return FramingError(.limitExceeded, "\(what): nested too deeply")
        case .invalidASN1Object where text.contains("Unconsumed"):
            return FramingError(.unexpectedTag, "\(what): an element the syntax does not allow follows the last field")
        default:
            return FramingError(.malformed, "\(what): not valid DER (\(text))")
        }
    }
}
