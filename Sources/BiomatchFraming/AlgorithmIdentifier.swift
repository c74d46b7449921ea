import SwiftASN1

/// The algorithms this build implements, by their registered object identifiers.
enum FramingAlgorithm {
    /// hmac-with-SHA256 (RFC 4231 / PKCS #5), parameters NULL or absent.
    static let hmacSHA256: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 9]
    /// ecdsa-with-SHA256 (RFC 5758), parameters absent.
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    /// id-aes256-GCM (RFC 5084), parameters GCMParameters.
    static let aes256GCM: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 46]
    /// id-data (CMS content type of the encrypted content).
    static let idData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`
/// (PKIX, universal tags), here for the three algorithms above.
struct AlgorithmIdentifier: Sendable, Hashable {
    var algorithm: ASN1ObjectIdentifier
    /// GCM nonce (12 bytes) for AES-GCM; nil otherwise.
    var gcmNonce: [UInt8]?

    static let gcmTagLength = 16

    func serialize(into coder: inout DER.Serializer, identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(algorithm)
            if let gcmNonce {
                // GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 }
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(ASN1OctetString(contentBytes: gcmNonce[...]))
                    try coder.serialize(Self.gcmTagLength)
                }
            }
        }
    }

    init(algorithm: ASN1ObjectIdentifier, gcmNonce: [UInt8]? = nil) {
        self.algorithm = algorithm
        self.gcmNonce = gcmNonce
    }

    /// Decodes and checks that the algorithm is one of `allowed`.
    init(derEncoded node: ASN1Node, identifier: ASN1Identifier, allowed: [ASN1ObjectIdentifier], _ what: String) throws {
        do {
            self = try DER.sequence(node, identifier: identifier) { nodes in
                let oid = try ASN1ObjectIdentifier(derEncoded: try requiredNode(&nodes, .objectIdentifier, "\(what).algorithm"))
                guard allowed.contains(oid) else {
                    throw FramingError(.unsupportedAlgorithm, "\(what): algorithm \(oid) is not supported here (supported: \(allowed.map(\.description).joined(separator: ", ")))")
                }
                switch oid {
                case FramingAlgorithm.aes256GCM:
                    let params = try requiredNode(&nodes, .sequence, "\(what).parameters (GCMParameters)")
                    let nonce: [UInt8] = try DER.sequence(params, identifier: .sequence) { p in
                        let nonce = try octets(try requiredNode(&p, .octetString, "GCMParameters.aes-nonce"), .octetString, "GCMParameters.aes-nonce")
                        let tagLength = try DER.decodeDefault(&p, identifier: .integer, defaultValue: 12) { n in
                            try integer(n, .integer, "GCMParameters.aes-ICVlen", range: 12...16)
                        }
                        guard nonce.count == 12, tagLength == Self.gcmTagLength else {
                            throw FramingError(.unsupportedAlgorithm, "AES-GCM with a \(nonce.count)-byte nonce and a \(tagLength)-byte tag is not supported (12 and 16 only)")
                        }
                        return nonce
                    }
                    return AlgorithmIdentifier(algorithm: oid, gcmNonce: nonce)
                case FramingAlgorithm.hmacSHA256:
                    // Parameters NULL or absent.
                    if let p = nodes.next(), p.identifier != .null {
                        throw FramingError(.malformed, "\(what): hmac-with-SHA256 takes NULL or no parameters")
                    }
                    return AlgorithmIdentifier(algorithm: oid)
                default:
                    return AlgorithmIdentifier(algorithm: oid)
                }
            }
        } catch {
            throw FramingError.decoding(error, what)
        }
    }
}
