import Crypto

/// How a sender protects the integrity of what it frames.
public enum IntegrityProtection: Sendable {
    /// HMAC-SHA256 under a named shared key.
    case mac(keyName: String, key: SymmetricKey)
    /// An ECDSA P-256 / SHA-256 signature; `keyName` tells the receiver which public key to use.
    case signature(keyName: String, key: P256.Signing.PrivateKey)

    var keyName: String {
        switch self {
        case .mac(let name, _), .signature(let name, _): return name
        }
    }
}

/// A named AES-256 key for the privacy block.
public struct PrivacyProtection: Sendable {
    /// The key's name, carried in the object so the receiver can pick the key.
    public var keyName: String
    /// The 256-bit key.
    public var key: SymmetricKey

    /// A named key; it must be 256 bits.
    public init(keyName: String, key: SymmetricKey) throws {
        guard key.bitCount == 256 else { throw FramingError(.invalidArgument, "privacy key \(keyName) must be 256 bits, not \(key.bitCount)") }
        try checkKeyName(keyName, "privacy key name")
        self.keyName = keyName
        self.key = key
    }
}

/// The protection a sender applies (X9.84's four syntax forms).
public enum Protection: Sendable {
    /// Plain `BiometricObjects`: neither integrity nor privacy.
    case none
    /// `IntegrityObjects`: readable, MAC or signature over the objects.
    case integrity(IntegrityProtection)
    /// `PrivacyObjects`: encrypted, headers readable (and bound to the ciphertext).
    case privacy(PrivacyProtection)
    /// `PrivacyAndIntegrityObjects`: encrypted, then MACed or signed.
    case privacyAndIntegrity(PrivacyProtection, IntegrityProtection)
}

/// The keys a receiver holds, each under the name senders put in the objects.
///
/// MAC keys and encryption keys live in separate namespaces so that one key is never
/// used for two algorithms.
public struct FramingKeys: Sendable {
    /// HMAC-SHA256 keys by name.
    public var macKeys: [String: SymmetricKey]
    /// AES-256-GCM keys by name.
    public var encryptionKeys: [String: SymmetricKey]
    /// ECDSA P-256 public keys of signers (terminals) by name.
    public var verifyingKeys: [String: P256.Signing.PublicKey]

    /// A key set.
    public init(macKeys: [String: SymmetricKey] = [:], encryptionKeys: [String: SymmetricKey] = [:],
                verifyingKeys: [String: P256.Signing.PublicKey] = [:]) {
        self.macKeys = macKeys
        self.encryptionKeys = encryptionKeys
        self.verifyingKeys = verifyingKeys
    }
}

/// What protected a message, as found when it was opened (no key material).
public struct ProtectionSummary: Sendable, Hashable, Codable {
    /// The syntax form: `none`, `integrity`, `privacy` or `privacy-and-integrity`.
    public var form: String
    /// `hmac-sha256` or `ecdsa-p256-sha256`, if integrity-protected.
    public var integrityAlgorithm: String?
    /// The MAC key or signer named in the object.
    public var integrityKeyName: String?
    /// `aes-256-gcm`, if encrypted.
    public var encryptionAlgorithm: String?
    /// The encryption key named in the object.
    public var encryptionKeyName: String?

    /// Whether the objects were integrity-protected and the check passed.
    public var hasIntegrity: Bool { integrityAlgorithm != nil }
    /// Whether the objects were encrypted.
    public var hasPrivacy: Bool { encryptionAlgorithm != nil }
}
