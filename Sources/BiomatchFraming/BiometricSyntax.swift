import SwiftASN1

/// One X9.84 `BiometricSyntax` element: biometric objects in one of four protection forms.
///
/// DER (automatic tags; each alternative is a SEQUENCE, so its tag is implicit):
/// ```
/// BiometricSyntax ::= CHOICE {
///   biometricObjects           [0] SEQUENCE OF BiometricObject,
///   integrityObjects           [1] SEQUENCE { biometricObjects [0] SEQUENCE OF BiometricObject,
///                                             integrityBlock   [1] IntegrityBlock },
///   privacyObjects             [2] SEQUENCE { biometricHeaders [0] SEQUENCE OF BiometricHeader OPTIONAL,
///                                             privacyBlock     [1] PrivacyBlock },
///   privacyAndIntegrityObjects [3] SEQUENCE { biometricHeaders [0] … OPTIONAL,
///                                             privacyBlock     [1] PrivacyBlock,
///                                             integrityBlock   [2] IntegrityBlock } }
/// ```
/// The MAC or signature of `integrityObjects` covers the encoded `[0]` element exactly as
/// sent; that of `privacyAndIntegrityObjects` covers the encoded `[0]` (if present) and `[1]`
/// elements: encrypt-then-MAC, so a tampered ciphertext is refused before decryption.
public enum BiometricSyntax: Sendable, Hashable {
    /// Plain objects.
    case objects([BiometricObject])
    /// Objects with a MAC or signature.
    case integrity(objects: [BiometricObject], block: IntegrityBlock, authenticated: [UInt8])
    /// Encrypted objects with readable headers.
    case privacy(headers: [BiometricHeader]?, block: PrivacyBlock, headerBytes: [UInt8])
    /// Encrypted objects with readable headers, then a MAC or signature.
    case privacyAndIntegrity(headers: [BiometricHeader]?, privacy: PrivacyBlock, integrity: IntegrityBlock, headerBytes: [UInt8], authenticated: [UInt8])

    /// The form's name: `none`, `integrity`, `privacy` or `privacy-and-integrity`.
    public var form: String {
        switch self {
        case .objects: return "none"
        case .integrity: return "integrity"
        case .privacy: return "privacy"
        case .privacyAndIntegrity: return "privacy-and-integrity"
        }
    }

    /// The headers readable without any key (all of them unless encrypted without headers).
    public var readableHeaders: [BiometricHeader] {
        switch self {
        case .objects(let objects), .integrity(let objects, _, _): return objects.map(\.header)
        case .privacy(let headers, _, _), .privacyAndIntegrity(let headers, _, _, _, _): return headers ?? []
        }
    }

    /// The integrity block, if any.
    public var integrityBlock: IntegrityBlock? {
        switch self {
        case .integrity(_, let block, _), .privacyAndIntegrity(_, _, let block, _, _): return block
        default: return nil
        }
    }

    /// The privacy block's key name, if encrypted.
    public var encryptionKeyName: String? {
        switch self {
        case .privacy(_, let block, _), .privacyAndIntegrity(_, let block, _, _, _): return block.keyName
        default: return nil
        }
    }

    /// Frames `objects` under `protection`. Encrypted forms send the headers readable.
    ///
    /// - Throws: ``FramingError`` for objects that cannot be encoded or a protection whose key is unusable.
    public static func seal(_ objects: [BiometricObject], protection: Protection) throws -> BiometricSyntax {
        switch protection {
        case .none:
            _ = try BiometricObject.encodeObjects(objects, identifier: .sequence)  // validates
            return .objects(objects)
        case .integrity(let integrity):
            let authenticated = try BiometricObject.encodeObjects(objects, identifier: contextTag(0))
            return .integrity(objects: objects, block: try IntegrityBlock.make(integrity, over: authenticated), authenticated: authenticated)
        case .privacy(let privacy):
            let (headers, headerBytes, block) = try encrypt(objects, privacy)
            return .privacy(headers: headers, block: block, headerBytes: headerBytes)
        case .privacyAndIntegrity(let privacy, let integrity):
            let (headers, headerBytes, block) = try encrypt(objects, privacy)
            let blockBytes = try encodeDER("PrivacyBlock") { coder in
                try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { try block.serialize(into: &$0) }
            }
            let authenticated = headerBytes + blockBytes
            return .privacyAndIntegrity(headers: headers, privacy: block, integrity: try IntegrityBlock.make(integrity, over: authenticated),
                                        headerBytes: headerBytes, authenticated: authenticated)
        }
    }

    private static func encrypt(_ objects: [BiometricObject], _ privacy: PrivacyProtection) throws -> ([BiometricHeader], [UInt8], PrivacyBlock) {
        let plaintext = try BiometricObject.encodeObjects(objects, identifier: .sequence)
        let headers = objects.map(\.header)
        let headerBytes = try encodeDER("BiometricHeaders") { coder in
            try coder.appendConstructedNode(identifier: contextTag(0)) { coder in
                for header in headers { try header.serialize(into: &coder, identifier: .sequence) }
            }
        }
        return (headers, headerBytes, try PrivacyBlock.seal(plaintext, protection: privacy, additionalData: headerBytes))
    }

    /// Checks the protection with `keys` and returns the objects.
    ///
    /// - Throws: ``FramingError`` `unknownKey` for a key the receiver lacks, `integrity` for a
    ///   MAC or signature that fails, `decryption` for a ciphertext that does not open, and
    ///   `integrity` when readable headers differ from the encrypted ones.
    public func open(keys: FramingKeys) throws -> (objects: [BiometricObject], protection: ProtectionSummary) {
        // Work on the element as it encodes, never on associated values a caller may have
        // put together by hand: the objects returned are always the ones the MAC, signature
        // or tag covers.
        let canonical = try BiometricSyntax(derEncoded: try parseDER(try encodeDER("BiometricSyntax") { try serialize(into: &$0) }, "BiometricSyntax"))
        switch canonical {
        case .objects(let objects):
            return (objects, ProtectionSummary(form: form))
        case .integrity(let objects, let block, let authenticated):
            return (objects, try block.verify(authenticated, keys: keys))
        case .privacy(let headers, let block, let headerBytes):
            let objects = try Self.decrypt(block, headers: headers, headerBytes: headerBytes, keys: keys)
            return (objects, ProtectionSummary(form: form, encryptionAlgorithm: "aes-256-gcm", encryptionKeyName: block.keyName))
        case .privacyAndIntegrity(let headers, let privacy, let integrity, let headerBytes, let authenticated):
            var summary = try integrity.verify(authenticated, keys: keys)
            let objects = try Self.decrypt(privacy, headers: headers, headerBytes: headerBytes, keys: keys)
            summary.form = form
            summary.encryptionAlgorithm = "aes-256-gcm"
            summary.encryptionKeyName = privacy.keyName
            return (objects, summary)
        }
    }

    private static func decrypt(_ block: PrivacyBlock, headers: [BiometricHeader]?, headerBytes: [UInt8], keys: FramingKeys) throws -> [BiometricObject] {
        let plaintext = try block.open(keys: keys, additionalData: headerBytes)
        let objects = try BiometricObject.decodeObjects(try parseDER(plaintext, "encrypted BiometricObjects"), identifier: .sequence, "encrypted BiometricObjects")
        if let headers, headers != objects.map(\.header) {
            throw FramingError(.integrity, "the readable headers differ from the encrypted ones")
        }
        return objects
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .objects(let objects):
            try BiometricObject.serialize(objects, into: &coder, identifier: contextTag(0))
        case .integrity(_, let block, let authenticated):
            try coder.appendConstructedNode(identifier: contextTag(1)) { coder in
                coder.serializeRawBytes(authenticated)
                try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { try block.serialize(into: &$0) }
            }
        case .privacy(_, let block, let headerBytes):
            try coder.appendConstructedNode(identifier: contextTag(2)) { coder in
                coder.serializeRawBytes(headerBytes)
                try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { try block.serialize(into: &$0) }
            }
        case .privacyAndIntegrity(_, _, let integrity, _, let authenticated):
            try coder.appendConstructedNode(identifier: contextTag(3)) { coder in
                coder.serializeRawBytes(authenticated)
                try coder.serialize(explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific) { try integrity.serialize(into: &$0) }
            }
        }
    }

    init(derEncoded node: ASN1Node) throws {
        guard node.identifier.tagClass == .contextSpecific, node.identifier.tagNumber <= 3 else {
            throw FramingError(.unexpectedTag, "BiometricSyntax: no alternative has tag \(node.identifier)")
        }
        let tag = node.identifier.tagNumber
        if tag == 0 {
            self = .objects(try BiometricObject.decodeObjects(node, identifier: contextTag(0), "BiometricObjects"))
            return
        }
        guard case .constructed(let children) = node.content else {
            throw FramingError(.malformed, "BiometricSyntax alternative \(tag) must be constructed")
        }
        var nodes = children.makeIterator()
        switch tag {
        case 1:
            let objectsNode = try requiredNode(&nodes, contextTag(0), "IntegrityObjects.biometricObjects")
            let objects = try BiometricObject.decodeObjects(objectsNode, identifier: contextTag(0), "IntegrityObjects.biometricObjects")
            let block = try Self.explicit(&nodes, 1, "IntegrityObjects.integrityBlock") { try IntegrityBlock(derEncoded: $0) }
            try Self.end(&nodes, "IntegrityObjects")
            self = .integrity(objects: objects, block: block, authenticated: Array(objectsNode.encodedBytes))
        default:
            var headers: [BiometricHeader]?
            var headerBytes: [UInt8] = []
            var copy = nodes
            if let first = copy.next(), first.identifier == contextTag(0) {
                nodes = copy
                guard case .constructed(let list) = first.content else { throw FramingError(.malformed, "biometricHeaders must be constructed") }
                var decoded: [BiometricHeader] = []
                for h in list {
                    guard decoded.count < FramingLimits.maximumObjects else { throw FramingError(.limitExceeded, "more than \(FramingLimits.maximumObjects) headers") }
                    decoded.append(try BiometricHeader(derEncoded: h, identifier: .sequence))
                }
                headers = decoded
                headerBytes = Array(first.encodedBytes)
            }
            let what = tag == 2 ? "PrivacyObjects" : "PrivacyAndIntegrityObjects"
            let privacyNode = try requiredNode(&nodes, contextTag(1), "\(what).privacyBlock")
            let privacy = try Self.explicit(privacyNode, 1, "\(what).privacyBlock") { try PrivacyBlock(derEncoded: $0) }
            if tag == 2 {
                try Self.end(&nodes, what)
                self = .privacy(headers: headers, block: privacy, headerBytes: headerBytes)
            } else {
                let integrity = try Self.explicit(&nodes, 2, "\(what).integrityBlock") { try IntegrityBlock(derEncoded: $0) }
                try Self.end(&nodes, what)
                self = .privacyAndIntegrity(headers: headers, privacy: privacy, integrity: integrity, headerBytes: headerBytes,
                                            authenticated: headerBytes + Array(privacyNode.encodedBytes))
            }
        }
    }

    private static func explicit<T>(_ nodes: inout ASN1NodeCollection.Iterator, _ tag: UInt, _ what: String, _ body: (ASN1Node) throws -> T) throws -> T {
        try explicit(try requiredNode(&nodes, contextTag(tag), what), tag, what, body)
    }

    private static func explicit<T>(_ node: ASN1Node, _ tag: UInt, _ what: String, _ body: (ASN1Node) throws -> T) throws -> T {
        do {
            return try DER.explicitlyTagged(node, tagNumber: tag, tagClass: .contextSpecific, body)
        } catch {
            throw FramingError.decoding(error, what)
        }
    }

    private static func end(_ nodes: inout ASN1NodeCollection.Iterator, _ what: String) throws {
        if let extra = nodes.next() {
            throw FramingError(.unexpectedTag, "\(what): unexpected element \(extra.identifier) after the last field")
        }
    }
}

/// A framed message: X9.84 `BiometricSyntaxSets ::= SEQUENCE OF BiometricSyntax`, the unit a
/// terminal sends and the engine answers.
public struct BiometricMessage: Sendable, Hashable {
    /// The syntax elements (1–8; Biomatch senders emit one).
    public let elements: [BiometricSyntax]

    /// A message of the given elements.
    public init(_ elements: [BiometricSyntax]) {
        self.elements = elements
    }

    /// Frames `objects` under `protection` as a one-element message.
    ///
    /// - Throws: ``FramingError`` as ``BiometricSyntax/seal(_:protection:)``.
    public static func seal(_ objects: [BiometricObject], protection: Protection) throws -> BiometricMessage {
        BiometricMessage([try BiometricSyntax.seal(objects, protection: protection)])
    }

    /// Decodes a DER message strictly.
    ///
    /// - Throws: ``FramingError``: `truncated` (a length past the end), `trailingBytes`,
    ///   `unexpectedTag`, `missingField`, `unsupportedVersion`, `unsupportedAlgorithm`,
    ///   `unsupportedProtection`, `malformed` or `limitExceeded`. Protection is not checked
    ///   here; ``open(keys:)`` does that.
    public init(derEncoded bytes: [UInt8]) throws {
        let root = try parseDER(bytes, "BiometricSyntaxSets")
        guard root.identifier == .sequence, case .constructed(let children) = root.content else {
            throw FramingError(.unexpectedTag, "BiometricSyntaxSets: expected a SEQUENCE, found \(root.identifier)")
        }
        var elements: [BiometricSyntax] = []
        for child in children {
            guard elements.count < FramingLimits.maximumSyntaxElements else {
                throw FramingError(.limitExceeded, "BiometricSyntaxSets holds more than \(FramingLimits.maximumSyntaxElements) elements")
            }
            elements.append(try BiometricSyntax(derEncoded: child))
        }
        guard !elements.isEmpty else { throw FramingError(.missingField, "BiometricSyntaxSets holds no element") }
        self.elements = elements
    }

    /// The DER encoding.
    ///
    /// - Throws: ``FramingError`` when an element cannot be encoded.
    public func derEncoded() throws -> [UInt8] {
        try encodeDER("BiometricSyntaxSets") { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for element in elements { try element.serialize(into: &coder) }
            }
        }
    }

    /// Checks every element's protection and returns all objects in order, with the
    /// protection of each element.
    ///
    /// - Throws: ``FramingError``: `unknownKey`, `integrity` (MAC or signature), `decryption`, or a malformed element.
    public func open(keys: FramingKeys) throws -> (objects: [BiometricObject], protections: [ProtectionSummary]) {
        var objects: [BiometricObject] = []
        var protections: [ProtectionSummary] = []
        for element in elements {
            let opened = try element.open(keys: keys)
            objects += opened.objects
            protections.append(opened.protection)
        }
        return (objects, protections)
    }
}
