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
    ///
    /// - Throws: ``FramingError`` `invalidArgument` for a key that is not 256 bits or an invalid name.
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
    /// Masters of per-terminal keys by id: an object under a key named
    /// `tk1/MASTER/TERMINAL/PURPOSE/DATES` (``TerminalKeyName``) is opened with the key
    /// derived from that master.
    public var terminalMasters: [String: TerminalKeyMaster]
    /// The purposes of named keys (MAC, encryption or signer), where they are restricted;
    /// the engine refuses an object protected under a key of another purpose. Terminal keys
    /// carry their purpose in their name.
    public var purposes: [String: FramingKeyPurpose]

    /// A key set.
    public init(macKeys: [String: SymmetricKey] = [:], encryptionKeys: [String: SymmetricKey] = [:],
                verifyingKeys: [String: P256.Signing.PublicKey] = [:], terminalMasters: [TerminalKeyMaster] = [],
                purposes: [String: FramingKeyPurpose] = [:]) {
        self.macKeys = macKeys
        self.encryptionKeys = encryptionKeys
        self.verifyingKeys = verifyingKeys
        self.terminalMasters = Dictionary(terminalMasters.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.purposes = purposes
    }

    /// The MAC key an object names: a named key, or one derived for a terminal.
    func macKey(named name: String) throws(FramingError) -> SymmetricKey? {
        if let terminal = try TerminalKeyName(parsing: name) { return try master(for: terminal).macKey(for: terminal) }
        return macKeys[name]
    }

    /// The encryption key an object names: a named key, or one derived for a terminal.
    func encryptionKey(named name: String) throws(FramingError) -> SymmetricKey? {
        if let terminal = try TerminalKeyName(parsing: name) { return try master(for: terminal).encryptionKey(for: terminal) }
        return encryptionKeys[name]
    }

    private func master(for name: TerminalKeyName) throws(FramingError) -> TerminalKeyMaster {
        guard let master = terminalMasters[name.masterID] else {
            throw FramingError(.unknownKey, "the object is protected under terminal key \(name), whose master \(name.masterID) this receiver does not hold")
        }
        return master
    }

    /// The purpose of the key named `name`: a terminal key's own, or the one set for a
    /// named key; nil when unrestricted.
    ///
    /// - Throws: ``FramingError`` `invalidArgument` for a name that starts like a terminal key name but is malformed.
    public func purpose(ofKeyNamed name: String) throws(FramingError) -> FramingKeyPurpose? {
        if let terminal = try TerminalKeyName(parsing: name) { return terminal.purpose }
        return purposes[name]
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
