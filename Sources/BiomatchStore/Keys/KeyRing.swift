/// The key-encryption keys a store handle may use, by id.
///
/// Normally one key. During a rotation a handle holds the old and the new key, so it
/// can open records wrapped under either while the rotation re-wraps them.
public struct KeyRing: Sendable {
    private(set) var keys: [String: KeyEncryptionKey] = [:]
    /// The key new records are wrapped under (the last one added).
    public private(set) var primary: KeyEncryptionKey

    /// A ring of one key.
    public init(_ key: KeyEncryptionKey) {
        primary = key
        keys[key.id] = key
    }

    /// A ring whose primary is `primary`, also holding `others`.
    public init(primary: KeyEncryptionKey, others: [KeyEncryptionKey]) {
        self.primary = primary
        for k in others { keys[k.id] = k }
        keys[primary.id] = primary
    }

    /// Ids of every key held.
    public var ids: [String] { keys.keys.sorted() }

    /// The key with `id`, if held.
    public func key(id: String) -> KeyEncryptionKey? { keys[id] }

    /// Adds `key`; it becomes the primary when `primary` is true.
    public mutating func add(_ key: KeyEncryptionKey, primary makePrimary: Bool = false) {
        keys[key.id] = key
        if makePrimary { primary = key }
    }
}
