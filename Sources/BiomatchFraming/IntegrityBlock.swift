import Crypto
import SwiftASN1

/// X9.84 `IntegrityBlock`: a digital signature or a MAC over the protected bytes.
///
/// DER (a CHOICE, explicitly tagged where it is used):
/// ```
/// IntegrityBlock ::= CHOICE {
///   digitalSignature          [0] SEQUENCE { algorithm [0] AlgorithmIdentifier,
///                                            signature [1] OCTET STRING,     -- ECDSA-Sig-Value
///                                            keyName   [2] OCTET STRING OPTIONAL }  -- Biomatch
///   messageAuthenticationCode [1] SEQUENCE { keyName [0] OCTET STRING,
///                                            algorithm [1] AlgorithmIdentifier,
///                                            mac [2] OCTET STRING },
///   signedData [2] …, authenticatedData [3] … }   -- CMS forms: refused as unsupported
/// ```
public enum IntegrityBlock: Sendable, Hashable {
    /// ECDSA P-256 with SHA-256; the signature is the DER `ECDSA-Sig-Value`.
    case signature(keyName: String?, signature: [UInt8])
    /// HMAC-SHA256 under the named key.
    case mac(keyName: String, mac: [UInt8])

    /// The key the block names.
    public var keyName: String? {
        switch self {
        case .signature(let name, _): return name
        case .mac(let name, _): return name
        }
    }

    /// Computes the block for `bytes`.
    static func make(_ protection: IntegrityProtection, over bytes: [UInt8]) throws -> IntegrityBlock {
        switch protection {
        case .mac(let name, let key):
            try checkKeyName(name, "MAC key name")
            return .mac(keyName: name, mac: Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key)))
        case .signature(let name, let key):
            try checkKeyName(name, "signing key name")
            do {
                return .signature(keyName: name, signature: Array(try key.signature(for: bytes).derRepresentation))
            } catch {
                throw FramingError(.invalidArgument, "signing failed: \(error)")
            }
        }
    }

    /// Checks the block over `bytes` with the receiver's keys.
    func verify(_ bytes: [UInt8], keys: FramingKeys) throws -> ProtectionSummary {
        switch self {
        case .mac(let name, let mac):
            guard let key = try keys.macKey(named: name) else {
                throw FramingError(.unknownKey, "the object is MACed under key \"\(name)\", which this receiver does not hold")
            }
            guard mac.count == 32, HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: bytes, using: key) else {
                throw FramingError(.integrity, "the MAC under key \"\(name)\" does not verify: the object was altered or MACed with another key")
            }
            return ProtectionSummary(form: "integrity", integrityAlgorithm: "hmac-sha256", integrityKeyName: name)
        case .signature(let name, let signature):
            guard let name else {
                throw FramingError(.unknownKey, "the signature names no signer key; this receiver needs keyName to pick the public key")
            }
            guard let key = keys.verifyingKeys[name] else {
                throw FramingError(.unknownKey, "the object is signed by \"\(name)\", whose public key this receiver does not hold")
            }
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature),
                  key.isValidSignature(parsed, for: bytes) else {
                throw FramingError(.integrity, "the signature of \"\(name)\" does not verify: the object was altered or signed with another key")
            }
            return ProtectionSummary(form: "integrity", integrityAlgorithm: "ecdsa-p256-sha256", integrityKeyName: name)
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .signature(let name, let signature):
            try coder.appendConstructedNode(identifier: contextTag(0)) { coder in
                try AlgorithmIdentifier(algorithm: FramingAlgorithm.ecdsaWithSHA256).serialize(into: &coder, identifier: contextTag(0))
                try ASN1OctetString(contentBytes: signature[...]).serialize(into: &coder, withIdentifier: contextTag(1))
                if let name { try ASN1OctetString(contentBytes: Array(name.utf8)[...]).serialize(into: &coder, withIdentifier: contextTag(2)) }
            }
        case .mac(let name, let mac):
            try coder.appendConstructedNode(identifier: contextTag(1)) { coder in
                try ASN1OctetString(contentBytes: Array(name.utf8)[...]).serialize(into: &coder, withIdentifier: contextTag(0))
                try AlgorithmIdentifier(algorithm: FramingAlgorithm.hmacSHA256).serialize(into: &coder, identifier: contextTag(1))
                try ASN1OctetString(contentBytes: mac[...]).serialize(into: &coder, withIdentifier: contextTag(2))
            }
        }
    }

    init(derEncoded node: ASN1Node) throws {
        let what = "IntegrityBlock"
        guard node.identifier.tagClass == .contextSpecific else {
            throw FramingError(.unexpectedTag, "\(what): expected a context-specific alternative, found \(node.identifier)")
        }
        do {
            switch node.identifier.tagNumber {
            case 0:
                self = try DER.sequence(node, identifier: contextTag(0)) { nodes in
                    _ = try AlgorithmIdentifier(derEncoded: try requiredNode(&nodes, "\(what).digitalSignature.algorithm"), identifier: contextTag(0),
                                                allowed: [FramingAlgorithm.ecdsaWithSHA256], "\(what).digitalSignature.algorithm")
                    let signature = try octets(try requiredNode(&nodes, contextTag(1), "\(what).digitalSignature.signature"), contextTag(1), "\(what).digitalSignature.signature")
                    guard (8...80).contains(signature.count) else { throw FramingError(.malformed, "\(what): an ECDSA P-256 signature is 8–72 bytes of DER, not \(signature.count)") }
                    let name: String? = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 2, tagClass: .contextSpecific) {
                        try decodeKeyName($0, contextTag(2), "\(what).digitalSignature.keyName")
                    }
                    return .signature(keyName: name, signature: signature)
                }
            case 1:
                self = try DER.sequence(node, identifier: contextTag(1)) { nodes in
                    let name = try decodeKeyName(try requiredNode(&nodes, contextTag(0), "\(what).mac.keyName"), contextTag(0), "\(what).mac.keyName")
                    _ = try AlgorithmIdentifier(derEncoded: try requiredNode(&nodes, "\(what).mac.algorithm"), identifier: contextTag(1),
                                                allowed: [FramingAlgorithm.hmacSHA256], "\(what).mac.algorithm")
                    let mac = try octets(try requiredNode(&nodes, contextTag(2), "\(what).mac.mac"), contextTag(2), "\(what).mac.mac")
                    guard mac.count == 32 else { throw FramingError(.malformed, "\(what): an HMAC-SHA256 is 32 bytes, not \(mac.count)") }
                    return .mac(keyName: name, mac: mac)
                }
            case 2, 3:
                throw FramingError(.unsupportedProtection, "\(what): CMS \(node.identifier.tagNumber == 2 ? "SignedData" : "AuthenticatedData") is not supported by this build; use digitalSignature or messageAuthenticationCode")
            default:
                throw FramingError(.unexpectedTag, "\(what): no alternative has tag \(node.identifier)")
            }
        } catch {
            throw FramingError.decoding(error, what)
        }
    }
}
