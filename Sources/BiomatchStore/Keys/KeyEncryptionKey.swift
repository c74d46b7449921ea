import BiomatchSupport
import Crypto
import _CryptoExtras
import Foundation
import Logging

/// A 256-bit key-encryption key (KEK): it wraps the per-record data keys and the store's
/// integrity key, and never touches template bytes itself.
///
/// Its ``id`` is derived from the key (an HMAC of a fixed label), so a store can tell
/// which key wrapped a record and name a wrong key without ever storing the key.
public struct KeyEncryptionKey: Sendable {
    /// Short public identifier (16 hex digits), stored with every key it wraps.
    public let id: String
    let key: SymmetricKey

    /// A key from 32 raw bytes.
    ///
    /// - Throws: ``StoreError`` `invalidKey` when `bytes` is not 32 bytes long.
    public init(bytes: some DataProtocol) throws {
        guard bytes.count == 32 else {
            throw StoreError(.invalidKey, "a key-encryption key is 32 bytes (256 bits); this one has \(bytes.count)")
        }
        key = SymmetricKey(data: Array(bytes))
        id = Self.identifier(of: key)
    }

    init(_ key: SymmetricKey) {
        self.key = key
        id = Self.identifier(of: key)
    }

    /// A fresh random key.
    public static func generate() -> KeyEncryptionKey { KeyEncryptionKey(SymmetricKey(size: .bits256)) }

    /// The key as 64 lowercase hex digits, the form ``fromFile(_:)`` and ``fromEnvironment(_:)`` read.
    public var hexEncoded: String { key.withUnsafeBytes { Hex.encode($0) } }

    static let logger = Logger(label: "biomatch.store.keys")

    static func identifier(of key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("biomatch key id v1".utf8), using: key)
        return Hex.encode(mac.prefix(8))
    }

    /// Reads a key file: 32 raw bytes, 64 hex digits or base64 of 32 bytes (surrounding
    /// whitespace ignored). The file is read as ``SecretFile`` reads: once, not through a
    /// symbolic link, checked on the open descriptor.
    ///
    /// - Throws: ``StoreError`` `keyUnavailable` when the file is missing, unreadable or a
    ///   link; `keyFileInsecure` when another user owns it or its group or others may read or
    ///   write it; `invalidKey` when it does not hold a 256-bit key.
    public static func fromFile(_ path: String) throws -> KeyEncryptionKey {
        var bytes = try SecretFile.read(path)
        defer { SecretFile.wipe(&bytes) }
        return try decode(bytes, source: "key file \(path)")
    }

    /// Reads a key from an environment variable (64 hex digits or base64 of 32 bytes).
    ///
    /// - Throws: ``StoreError`` `keyUnavailable` when the variable is unset or empty;
    ///   `invalidKey` when it does not hold a 256-bit key.
    public static func fromEnvironment(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KeyEncryptionKey {
        guard let value = environment[name], !value.isEmpty else {
            throw StoreError(.keyUnavailable, "environment variable \(name) is not set")
        }
        Self.logger.warning("a key-encryption key is read from an environment variable, which the process's children and same-user processes can read (/proc/PID/environ); prefer a key file of mode 0600",
                            metadata: ["variable": "\(name)"])
        return try decode(Array(value.utf8), source: "environment variable \(name)")
    }

    /// Derives a key from a passphrase with scrypt, using the store's stored parameters and salt.
    ///
    /// - Throws: ``StoreError`` `invalidKey` for an empty passphrase or parameters scrypt refuses.
    public static func fromPassphrase(_ passphrase: String, parameters: ScryptParameters) throws -> KeyEncryptionKey {
        guard !passphrase.isEmpty else { throw StoreError(.invalidKey, "the passphrase is empty") }
        return try KeyEncryptionKey(parameters.derive(passphrase))
    }

    static func decode(_ data: [UInt8], source: String) throws -> KeyEncryptionKey {
        if data.count == 32 { return try KeyEncryptionKey(bytes: data) }
        // Trim whitespace on the bytes; hex is decoded without a String copy of the key.
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let trimmed = data.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        if trimmed.count == 64, var bytes = Hex.decode(trimmed) {
            defer { SecretFile.wipe(&bytes) }
            return try KeyEncryptionKey(bytes: bytes)
        }
        if let bytes = Data(base64Encoded: String(decoding: trimmed, as: UTF8.self)), bytes.count == 32 { return try KeyEncryptionKey(bytes: bytes) }
        throw StoreError(.invalidKey, "\(source) does not hold a 256-bit key (32 raw bytes, 64 hex digits or base64 of 32 bytes)")
    }
}

/// scrypt parameters of a passphrase-protected store, kept in the store (they are not secret).
public struct ScryptParameters: Sendable, Codable, Hashable {
    /// log2 of the CPU/memory cost N.
    public var logN: Int
    /// Block size r.
    public var r: Int
    /// Parallelism p.
    public var p: Int
    /// Per-store random salt.
    public var salt: [UInt8]

    /// Defaults: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s here), a fresh 16-byte salt.
    public static func fresh() -> ScryptParameters {
        ScryptParameters(logN: 15, r: 8, p: 1, salt: (0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    func derive(_ passphrase: String) throws -> SymmetricKey {
        guard (10...22).contains(logN), (1...32).contains(r), (1...16).contains(p), salt.count >= 16 else {
            throw StoreError(.unsupportedStore, "the store's scrypt parameters are out of range (logN \(logN), r \(r), p \(p))")
        }
        do {
            return try KDF.Scrypt.deriveKey(from: Array(passphrase.utf8), salt: salt, outputByteCount: 32,
                                            rounds: 1 << logN, blockSize: r, parallelism: p, maxMemory: 1 << 30)
        } catch {
            throw StoreError(.invalidKey, "scrypt failed: \(error)")
        }
    }
}
