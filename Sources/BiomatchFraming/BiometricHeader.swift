import BiomatchSupport
import Foundation
import SwiftASN1

/// Why a biometric object was made (X9.84 `Purpose`, the CBEFF purpose codes).
///
/// The engine checks it against the operation: an `enroll` object cannot be used to verify.
public enum BiometricPurpose: Int, Sendable, Hashable, Codable, CaseIterable {
    /// A probe for 1:1 verification.
    case verify = 1
    /// A probe for 1:N identification.
    case identify = 2
    /// A sample or template for enrollment.
    case enroll = 3
    /// Enrollment for later verification.
    case enrollVerify = 4
    /// Enrollment for later identification.
    case enrollIdentity = 5
    /// Kept for audit only.
    case audit = 6

    /// Whether this purpose is an enrollment of some kind.
    public var isEnrollment: Bool { self == .enroll || self == .enrollVerify || self == .enrollIdentity }
}

/// How far the data was processed (X9.84 `DataType`, CBEFF processed level).
public enum BiometricDataType: Int, Sendable, Hashable, Codable, CaseIterable {
    /// A raw sample (an image as captured).
    case raw = 0
    /// An intermediate form (an enhanced image).
    case intermediate = 1
    /// A processed template.
    case processed = 2
}

/// When an object may be used (X9.84 `ValidityPeriod`); either end may be open.
public struct BiometricValidity: Sendable, Hashable {
    /// First moment of use, whole seconds, or nil for open.
    public var notBefore: Date?
    /// Last moment of use, whole seconds, or nil for open.
    public var notAfter: Date?

    /// A validity period; both dates are truncated to whole seconds when encoded.
    public init(notBefore: Date? = nil, notAfter: Date? = nil) {
        self.notBefore = notBefore.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
        self.notAfter = notAfter.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
    }
}

/// Who defines the data format and which of their formats it is (CBEFF format owner/type).
public struct BiometricFormat: Sendable, Hashable {
    /// The format owner: a CBEFF owner code, or an object identifier.
    public enum Owner: Sendable, Hashable {
        /// A CBEFF biometric organisation code (IBIA registry; 257 is ISO/IEC JTC 1/SC 37).
        case cbeff(Int)
        /// An owner named by an object identifier.
        case oid(ASN1ObjectIdentifier)
    }

    /// The owner.
    public var owner: Owner
    /// The owner's format type, if given.
    public var type: Int?

    /// A format announcement.
    public init(owner: Owner, type: Int?) {
        self.owner = owner
        self.type = type
    }

    /// ISO/IEC 19794-2 finger minutiae record (CBEFF owner 257 = SC 37, type 2).
    public static let isoFingerMinutiae = BiometricFormat(owner: .cbeff(257), type: 2)
    /// ISO/IEC 19794-4 finger image record (CBEFF owner 257, type 7): the capture itself,
    /// from which the engine extracts the template and runs fingerprint PAD.
    public static let isoFingerImage = BiometricFormat(owner: .cbeff(257), type: 7)
    /// ISO/IEC 19794-5 face image record (CBEFF owner 257, type 8): the capture itself, from
    /// which the engine extracts the template and runs passive face PAD.
    public static let isoFaceImage = BiometricFormat(owner: .cbeff(257), type: 8)
    /// The Biomatch face template, version 1 (`Docs/face-template-format.md`). Owner 0xFFFE
    /// is a private-use placeholder: Biomatch holds no registered CBEFF owner code.
    public static let biomatchFaceTemplate = BiometricFormat(owner: .cbeff(0xFFFE), type: 1)
    /// A Biomatch landmark track: the five face landmarks of each frame answering an
    /// engine-issued active challenge (owner 0xFFFE, private use, type 2).
    public static let biomatchLandmarkTrack = BiometricFormat(owner: .cbeff(0xFFFE), type: 2)
}

/// A Biomatch extension to the X9.84 header: the transaction a verification probe belongs
/// to, so the engine can refuse stale and replayed probes.
///
/// X9.84 has no such field; it is encoded as the header's next automatic tag, `[7]`, after
/// the standard fields, and is covered by the object's MAC or signature like the rest.
public struct BiometricTransaction: Sendable, Hashable {
    /// A unique transaction id or nonce, 8–64 bytes (16 random bytes from a terminal).
    public var id: [UInt8]
    /// When the probe was captured, whole seconds.
    public var time: Date

    /// A transaction; `time` is truncated to whole seconds.
    public init(id: [UInt8], time: Date) {
        self.id = id
        self.time = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
    }

    /// A fresh transaction with 16 random bytes, captured now.
    public static func fresh(at time: Date = Date()) -> BiometricTransaction {
        var generator = SystemRandomNumberGenerator()
        return BiometricTransaction(id: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }, time: time)
    }

    /// Hex form of the id, for logs and audit entries (not secret, not biometric).
    public var idHex: String { Hex.encode(id) }
}

/// A Biomatch extension to the X9.84 header: one presentation-attack check's score for the
/// capture the object holds, so the terminal's liveness evidence travels inside the
/// integrity (and privacy) protection with the template it belongs to, and cannot be
/// swapped or replayed on its own.
///
/// Encoded in the header's `[8]` as `SEQUENCE OF SEQUENCE { check UTF8String, score
/// INTEGER (0..10000) }`, the score in units of 1/10,000.
public struct BiometricPADScore: Sendable, Hashable {
    /// The check's name (`passive-face`, `active-challenge`, `depth`, `infrared`,
    /// `fingerprint`), 1–32 characters.
    public var check: String
    /// 0 (attack) … 1 (bona fide), carried to 1/10,000.
    public var score: Double

    /// A score; `score` is rounded to 1/10,000 on the wire.
    public init(check: String, score: Double) {
        self.check = check
        self.score = score
    }

    static let checkLength = 1...32
    static let maximumCount = 16
}

/// The readable description of a biometric object (X9.84 `BiometricHeader`).
///
/// Encoded as a DER SEQUENCE with automatic tags `[0]`…`[6]` (version DEFAULT 0 is never
/// encoded, as DER requires), the Biomatch transaction as `[7]`, the Biomatch
/// presentation-attack scores as `[8]`, the Biomatch payment digest as `[9]` and the
/// Biomatch identification partition as `[10]`.
public struct BiometricHeader: Sendable, Hashable {
    /// Header version: 0 (`hv1`) is the only one defined.
    public var version: Int
    /// The record type, if given (an object identifier).
    public var recordType: ASN1ObjectIdentifier?
    /// Raw, intermediate or processed.
    public var dataType: BiometricDataType?
    /// What the object is for.
    public var purpose: BiometricPurpose?
    /// Quality 0–100; −1 not set, −2 not supported by the producer.
    public var quality: Int?
    /// When the object may be used.
    public var validity: BiometricValidity?
    /// The data's format.
    public var format: BiometricFormat?
    /// The transaction (Biomatch extension, for probes).
    public var transaction: BiometricTransaction?
    /// Presentation-attack scores of the capture (Biomatch extension, for probes).
    public var presentationAttackScores: [BiometricPADScore]?
    /// The SHA-256 digest of the payment the probe authorises (``PaymentContext/digest``;
    /// Biomatch extension `[9] OCTET STRING`, 32 bytes), so the probe cannot be presented
    /// for another payment.
    public var paymentDigest: [UInt8]?
    /// The partition an identification probe is searched in, or an enrollment's references
    /// are enrolled into (a merchant, a region, a phone-number hint group): 1–128 printable
    /// characters without spaces (Biomatch extension `[10] UTF8String`).
    public var partition: String?

    /// A header; only version 0 is defined.
    public init(version: Int = 0, recordType: ASN1ObjectIdentifier? = nil, dataType: BiometricDataType? = nil,
                purpose: BiometricPurpose? = nil, quality: Int? = nil, validity: BiometricValidity? = nil,
                format: BiometricFormat? = nil, transaction: BiometricTransaction? = nil,
                presentationAttackScores: [BiometricPADScore]? = nil, paymentDigest: [UInt8]? = nil, partition: String? = nil) {
        self.version = version
        self.recordType = recordType
        self.dataType = dataType
        self.purpose = purpose
        self.quality = quality
        self.validity = validity
        self.format = format
        self.transaction = transaction
        self.presentationAttackScores = presentationAttackScores
        self.paymentDigest = paymentDigest
        self.partition = partition
    }

    /// Whether `name` is a valid partition: 1–128 printable characters without spaces.
    public static func isValidPartition(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count) && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }

    static let supportedVersion = 0
    static let paymentDigestBytes = 32
    static let qualityRange = -2...100
    static let transactionIDRange = 8...64

    func serialize(into coder: inout DER.Serializer, identifier: ASN1Identifier) throws {
        guard version == Self.supportedVersion else {
            throw FramingError(.invalidArgument, "header version \(version) is not defined (only 0)")
        }
        if let quality, !Self.qualityRange.contains(quality) {
            throw FramingError(.invalidArgument, "header quality \(quality) is outside −2…100")
        }
        if let transaction, !Self.transactionIDRange.contains(transaction.id.count) {
            throw FramingError(.invalidArgument, "transaction id must be 8–64 bytes, not \(transaction.id.count)")
        }
        if let partition, !Self.isValidPartition(partition) {
            throw FramingError(.invalidArgument, "a partition is 1–128 printable characters without spaces")
        }
        if let paymentDigest, paymentDigest.count != Self.paymentDigestBytes {
            throw FramingError(.invalidArgument, "a payment digest is \(Self.paymentDigestBytes) bytes (SHA-256), not \(paymentDigest.count)")
        }
        if let scores = presentationAttackScores {
            guard scores.count <= BiometricPADScore.maximumCount else {
                throw FramingError(.invalidArgument, "at most \(BiometricPADScore.maximumCount) presentation-attack scores, not \(scores.count)")
            }
            for s in scores {
                guard BiometricPADScore.checkLength.contains(s.check.utf8.count), s.score.isFinite, (0...1).contains(s.score) else {
                    throw FramingError(.invalidArgument, "a presentation-attack score needs a check name of 1–32 bytes and a score in 0…1")
                }
            }
        }
        try coder.appendConstructedNode(identifier: identifier) { coder in
            // version DEFAULT 0: DER leaves it out.
            if let recordType { try recordType.serialize(into: &coder, withIdentifier: contextTag(1)) }
            if let dataType { try dataType.rawValue.serialize(into: &coder, withIdentifier: contextTag(2)) }
            if let purpose { try purpose.rawValue.serialize(into: &coder, withIdentifier: contextTag(3)) }
            if let quality { try quality.serialize(into: &coder, withIdentifier: contextTag(4)) }
            if let validity {
                try coder.appendConstructedNode(identifier: contextTag(5)) { coder in
                    if let notBefore = validity.notBefore {
                        try GeneralizedTime(wholeSeconds: notBefore).serialize(into: &coder, withIdentifier: contextTag(0))
                    }
                    if let notAfter = validity.notAfter {
                        try GeneralizedTime(wholeSeconds: notAfter).serialize(into: &coder, withIdentifier: contextTag(1))
                    }
                }
            }
            if let format {
                try coder.appendConstructedNode(identifier: contextTag(6)) { coder in
                    // formatOwner is a CHOICE, formatType an open type: both explicitly tagged.
                    try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                        switch format.owner {
                        case .cbeff(let code): try coder.serialize(code)
                        case .oid(let oid): try coder.serialize(oid)
                        }
                    }
                    if let type = format.type {
                        try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
                            try coder.serialize(type)
                        }
                    }
                }
            }
            if let transaction {
                try coder.appendConstructedNode(identifier: contextTag(7)) { coder in
                    try ASN1OctetString(contentBytes: transaction.id[...]).serialize(into: &coder, withIdentifier: contextTag(0))
                    try GeneralizedTime(wholeSeconds: transaction.time).serialize(into: &coder, withIdentifier: contextTag(1))
                }
            }
            if let scores = presentationAttackScores {
                try coder.appendConstructedNode(identifier: contextTag(8)) { coder in
                    for s in scores {
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try coder.serialize(ASN1UTF8String(s.check))
                            try coder.serialize(Int((s.score * 10_000).rounded()))
                        }
                    }
                }
            }
            if let paymentDigest {
                try ASN1OctetString(contentBytes: paymentDigest[...]).serialize(into: &coder, withIdentifier: contextTag(9))
            }
            if let partition {
                try ASN1UTF8String(partition).serialize(into: &coder, withIdentifier: contextTag(10))
            }
        }
    }

    init(derEncoded node: ASN1Node, identifier: ASN1Identifier) throws {
        guard node.identifier == identifier, case .constructed(let children) = node.content else {
            throw FramingError(.unexpectedTag, "BiometricHeader: expected a constructed \(identifier), found \(node.identifier)")
        }
        var nodes = children.makeIterator()
        self.init()
        var expected: UInt = 0
        while let child = nodes.next() {
            // Fields appear at most once, in tag order.
            guard child.identifier.tagClass == .contextSpecific, child.identifier.tagNumber >= expected,
                  child.identifier.tagNumber <= 10 else {
                throw FramingError(.unexpectedTag, "BiometricHeader: unexpected or out-of-order element \(child.identifier)")
            }
            let tag = child.identifier.tagNumber
            expected = tag + 1
            switch tag {
            case 0:
                let v = try integer(child, contextTag(0), "BiometricHeader.version", range: Int.min...Int.max)
                guard v != 0 else { throw FramingError(.malformed, "BiometricHeader.version is encoded at its DEFAULT 0, which DER forbids") }
                throw FramingError(.unsupportedVersion, "BiometricHeader version \(v) is not supported (this build reads version 0)")
            case 1:
                do { recordType = try ASN1ObjectIdentifier(derEncoded: child, withIdentifier: contextTag(1)) }
                catch { throw FramingError.decoding(error, "BiometricHeader.recordType") }
            case 2:
                let v = try integer(child, contextTag(2), "BiometricHeader.dataType", range: 0...2)
                dataType = BiometricDataType(rawValue: v)
            case 3:
                let v = try integer(child, contextTag(3), "BiometricHeader.purpose", range: 1...6)
                purpose = BiometricPurpose(rawValue: v)
            case 4:
                quality = try integer(child, contextTag(4), "BiometricHeader.quality", range: Self.qualityRange)
            case 5:
                validity = try Self.decodeValidity(child)
            case 6:
                format = try Self.decodeFormat(child)
            case 7:
                transaction = try Self.decodeTransaction(child)
            case 8:
                presentationAttackScores = try Self.decodePADScores(child)
            case 10:
                let name: String
                do { name = String(try ASN1UTF8String(derEncoded: child, withIdentifier: contextTag(10))) }
                catch { throw FramingError.decoding(error, "BiometricHeader.partition") }
                guard Self.isValidPartition(name) else {
                    throw FramingError(.malformed, "BiometricHeader.partition must be 1–128 printable characters without spaces")
                }
                partition = name
            default:
                let digest = try octets(child, contextTag(9), "BiometricHeader.paymentDigest")
                guard digest.count == Self.paymentDigestBytes else {
                    throw FramingError(.malformed, "BiometricHeader.paymentDigest must be \(Self.paymentDigestBytes) bytes, not \(digest.count)")
                }
                paymentDigest = digest
            }
        }
    }

    private static func time(_ node: ASN1Node, _ tag: UInt, _ what: String) throws -> Date {
        do { return try GeneralizedTime(derEncoded: node, withIdentifier: contextTag(tag)).date }
        catch { throw FramingError.decoding(error, what) }
    }

    private static func decodeValidity(_ node: ASN1Node) throws -> BiometricValidity {
        do {
            return try DER.sequence(node, identifier: contextTag(5)) { nodes in
                var validity = BiometricValidity()
                if let n = DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific, { $0 }) {
                    validity.notBefore = try time(n, 0, "ValidityPeriod.notBefore")
                }
                if let n = DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific, { $0 }) {
                    validity.notAfter = try time(n, 1, "ValidityPeriod.notAfter")
                }
                if let a = validity.notBefore, let b = validity.notAfter, a > b {
                    throw FramingError(.malformed, "ValidityPeriod ends before it begins")
                }
                return validity
            }
        } catch {
            throw FramingError.decoding(error, "BiometricHeader.validityPeriod")
        }
    }

    private static func decodeFormat(_ node: ASN1Node) throws -> BiometricFormat {
        do {
            return try DER.sequence(node, identifier: contextTag(6)) { nodes in
                let ownerNode = try requiredNode(&nodes, contextTag(0), "Format.formatOwner")
                let owner: BiometricFormat.Owner = try DER.explicitlyTagged(ownerNode, tagNumber: 0, tagClass: .contextSpecific) { inner in
                    switch inner.identifier {
                    case .integer:
                        return .cbeff(try integer(inner, .integer, "Format.formatOwner", range: 0...0xFFFF))
                    case .objectIdentifier:
                        return .oid(try ASN1ObjectIdentifier(derEncoded: inner))
                    default:
                        throw FramingError(.unexpectedTag, "Format.formatOwner must be an INTEGER or an OBJECT IDENTIFIER, found \(inner.identifier)")
                    }
                }
                let type: Int? = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { inner in
                    guard inner.identifier == .integer else {
                        throw FramingError(.unsupportedVersion, "Format.formatType of kind \(inner.identifier) is not read by this build (INTEGER only)")
                    }
                    return try integer(inner, .integer, "Format.formatType", range: 0...0xFFFF)
                }
                return BiometricFormat(owner: owner, type: type)
            }
        } catch {
            throw FramingError.decoding(error, "BiometricHeader.format")
        }
    }

    private static func decodeTransaction(_ node: ASN1Node) throws -> BiometricTransaction {
        do {
            return try DER.sequence(node, identifier: contextTag(7)) { nodes in
                let id = try octets(try requiredNode(&nodes, contextTag(0), "Transaction.id"), contextTag(0), "Transaction.id")
                guard transactionIDRange.contains(id.count) else {
                    throw FramingError(.malformed, "Transaction.id must be 8–64 bytes, not \(id.count)")
                }
                let time = try time(try requiredNode(&nodes, contextTag(1), "Transaction.time"), 1, "Transaction.time")
                return BiometricTransaction(id: id, time: time)
            }
        } catch {
            throw FramingError.decoding(error, "BiometricHeader.transaction")
        }
    }

    private static func decodePADScores(_ node: ASN1Node) throws -> [BiometricPADScore] {
        do {
            return try DER.sequence(node, identifier: contextTag(8)) { nodes in
                var scores: [BiometricPADScore] = []
                while let item = nodes.next() {
                    guard scores.count < BiometricPADScore.maximumCount else {
                        throw FramingError(.limitExceeded, "more than \(BiometricPADScore.maximumCount) presentation-attack scores")
                    }
                    scores.append(try DER.sequence(item, identifier: .sequence) { fields in
                        let name: String
                        do { name = String(try ASN1UTF8String(derEncoded: try requiredNode(&fields, .utf8String, "PADScore.check"))) }
                        catch let error as FramingError { throw error }
                        catch { throw FramingError.decoding(error, "PADScore.check") }
                        guard BiometricPADScore.checkLength.contains(name.utf8.count) else {
                            throw FramingError(.malformed, "PADScore.check must be 1–32 bytes")
                        }
                        let score = try integer(try requiredNode(&fields, .integer, "PADScore.score"), .integer, "PADScore.score", range: 0...10_000)
                        return BiometricPADScore(check: name, score: Double(score) / 10_000)
                    })
                }
                return scores
            }
        } catch {
            throw FramingError.decoding(error, "BiometricHeader.presentationAttackScores")
        }
    }
}
