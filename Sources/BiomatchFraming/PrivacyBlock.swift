import Crypto
import SwiftASN1

/// X9.84 `PrivacyBlock`, named-key form: the objects encrypted with AES-256-GCM under a
/// key both sides know by name.
///
/// DER (a CHOICE, explicitly tagged where it is used):
/// ```
/// PrivacyBlock ::= CHOICE {
///   fixedKey       [0] EncryptedData,                                  -- refused
///   namedKey       [1] SEQUENCE { keyName [0] OCTET STRING,
///                                 encryptedData [1] EncryptedData },
///   establishedKey [2] EnvelopedData }                                 -- refused
/// EncryptedData ::= SEQUENCE {                                         -- CMS, RFC 5652
///   version INTEGER (0),
///   encryptedContentInfo SEQUENCE {
///     contentType OBJECT IDENTIFIER (id-data),
///     contentEncryptionAlgorithm AlgorithmIdentifier (id-aes256-GCM, GCMParameters),
///     encryptedContent [0] IMPLICIT OCTET STRING } }  -- ciphertext ‖ 16-byte tag
/// ```
/// The plaintext is the DER `BiometricObjects`. The GCM additional data is the encoded
/// readable headers (empty when none are sent), so they cannot be swapped.
public struct PrivacyBlock: Sendable, Hashable {
    /// The key's name.
    public let keyName: String
    /// The 12-byte GCM nonce.
    let nonce: [UInt8]
    /// Ciphertext followed by the 16-byte tag.
    let sealed: [UInt8]

    static func seal(_ plaintext: [UInt8], protection: PrivacyProtection, additionalData: [UInt8]) throws -> PrivacyBlock {
        do {
            let box = try AES.GCM.seal(plaintext, using: protection.key, nonce: AES.GCM.Nonce(), authenticating: additionalData)
            return PrivacyBlock(keyName: protection.keyName, nonce: Array(box.nonce), sealed: Array(box.ciphertext) + Array(box.tag))
        } catch {
            throw FramingError(.invalidArgument, "encryption under \"\(protection.keyName)\" failed: \(error)")
        }
    }

    func open(keys: FramingKeys, additionalData: [UInt8]) throws -> [UInt8] {
        guard let key = try keys.encryptionKey(named: keyName) else {
            throw FramingError(.unknownKey, "the objects are encrypted under key \"\(keyName)\", which this receiver does not hold")
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed.dropLast(AlgorithmIdentifier.gcmTagLength),
                                            tag: sealed.suffix(AlgorithmIdentifier.gcmTagLength))
            return Array(try AES.GCM.open(box, using: key, authenticating: additionalData))
        } catch {
            throw FramingError(.decryption, "the objects do not decrypt under key \"\(keyName)\": altered ciphertext or headers, or another key of that name")
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: contextTag(1)) { coder in
            try ASN1OctetString(contentBytes: Array(keyName.utf8)[...]).serialize(into: &coder, withIdentifier: contextTag(0))
            try coder.appendConstructedNode(identifier: contextTag(1)) { coder in
                try coder.serialize(0)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(FramingAlgorithm.idData)
                    try AlgorithmIdentifier(algorithm: FramingAlgorithm.aes256GCM, gcmNonce: nonce).serialize(into: &coder, identifier: .sequence)
                    try ASN1OctetString(contentBytes: sealed[...]).serialize(into: &coder, withIdentifier: contextTag(0))
                }
            }
        }
    }

    init(keyName: String, nonce: [UInt8], sealed: [UInt8]) {
        self.keyName = keyName
        self.nonce = nonce
        self.sealed = sealed
    }

    init(derEncoded node: ASN1Node) throws {
        let what = "PrivacyBlock"
        guard node.identifier.tagClass == .contextSpecific else {
            throw FramingError(.unexpectedTag, "\(what): expected a context-specific alternative, found \(node.identifier)")
        }
        switch node.identifier.tagNumber {
        case 0: throw FramingError(.unsupportedProtection, "\(what): the fixedKey form is not supported; name the key (namedKey)")
        case 1: break
        case 2: throw FramingError(.unsupportedProtection, "\(what): the establishedKey form (CMS EnvelopedData) is not supported; use namedKey")
        default: throw FramingError(.unexpectedTag, "\(what): no alternative has tag \(node.identifier)")
        }
        do {
            self = try DER.sequence(node, identifier: contextTag(1)) { nodes in
                let name = try decodeKeyName(try requiredNode(&nodes, contextTag(0), "\(what).keyName"), contextTag(0), "\(what).keyName")
                let encrypted = try requiredNode(&nodes, contextTag(1), "\(what).encryptedData")
                return try DER.sequence(encrypted, identifier: contextTag(1)) { nodes in
                    let version = try integer(try requiredNode(&nodes, .integer, "EncryptedData.version"), .integer, "EncryptedData.version", range: 0...Int.max)
                    guard version == 0 else { throw FramingError(.unsupportedVersion, "EncryptedData version \(version) is not supported (0 only)") }
                    let info = try requiredNode(&nodes, .sequence, "EncryptedData.encryptedContentInfo")
                    return try DER.sequence(info, identifier: .sequence) { nodes in
                        let contentType = try ASN1ObjectIdentifier(derEncoded: try requiredNode(&nodes, .objectIdentifier, "EncryptedContentInfo.contentType"))
                        guard contentType == FramingAlgorithm.idData else {
                            throw FramingError(.malformed, "EncryptedContentInfo.contentType must be id-data, not \(contentType)")
                        }
                        let algorithm = try AlgorithmIdentifier(derEncoded: try requiredNode(&nodes, "EncryptedContentInfo.contentEncryptionAlgorithm"),
                                                                identifier: .sequence, allowed: [FramingAlgorithm.aes256GCM],
                                                                "EncryptedContentInfo.contentEncryptionAlgorithm")
                        let sealed = try octets(try requiredNode(&nodes, contextTag(0), "EncryptedContentInfo.encryptedContent"),
                                                contextTag(0), "EncryptedContentInfo.encryptedContent")
                        guard sealed.count >= AlgorithmIdentifier.gcmTagLength, let nonce = algorithm.gcmNonce else {
                            throw FramingError(.malformed, "EncryptedContentInfo.encryptedContent is shorter than the GCM tag")
                        }
                        return PrivacyBlock(keyName: name, nonce: nonce, sealed: sealed)
                    }
                }
            }
        } catch {
            throw FramingError.decoding(error, what)
        }
    }
}
