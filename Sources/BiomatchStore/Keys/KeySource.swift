/// Where a store handle gets a key-encryption key from.
public enum KeySource: Sendable {
    /// A key file (32 raw bytes, 64 hex digits or base64); refused when group or others may read it.
    case file(String)
    /// An environment variable holding 64 hex digits or base64.
    case environment(String)
    /// A passphrase, stretched with scrypt under the store's stored parameters and salt.
    case passphrase(String)
    /// A key already in memory.
    case key(KeyEncryptionKey)

    /// Resolves the key; `scrypt` is the store's parameters (nil when it has none).
    func resolve(scrypt: ScryptParameters?) throws -> KeyEncryptionKey {
        switch self {
        case .file(let path): return try KeyEncryptionKey.fromFile(path)
        case .environment(let name): return try KeyEncryptionKey.fromEnvironment(name)
        case .key(let key): return key
        case .passphrase(let text):
            guard let scrypt else {
                throw StoreError(.wrongKey, "this store was not created with a passphrase; open it with its key file or key variable")
            }
            return try KeyEncryptionKey.fromPassphrase(text, parameters: scrypt)
        }
    }

    var isPassphrase: Bool {
        if case .passphrase = self { return true }
        return false
    }
}

/// Where a store lives.
public enum StoreLocation: Sendable, CustomStringConvertible {
    /// An SQLite file (the embedded default).
    case sqlite(path: String)
    /// A PostgreSQL database shared by several terminals or nodes.
    case postgres(PostgresLocation)

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location): return location.description
        }
    }

    /// Opens the backend (read-only handles still read from several threads).
    func backend(readOnly: Bool) throws -> any StoreBackend {
        switch self {
        case .sqlite(let path): return try SQLiteBackend(path: path, readOnly: readOnly, concurrentReads: true)
        case .postgres(let location): return try PostgresBackend(location, readOnly: readOnly)
        }
    }
}
