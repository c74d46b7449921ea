import Crypto
import Foundation

/// Authenticates the rows that are not sealed (subjects and keys) and checks that every
/// row read is the latest genuine one, not an earlier genuine version put back.
///
/// - A subject row is MACed with its version — the sequence number of the journal entry
///   that last wrote it — and the manifest of its references (a digest of their ids and
///   versions); at every read the journal's last entry writing that subject must be that
///   entry, and the references read must be those the manifest lists.
/// - A key row is MACed with its version, the sequence number of the journal entry that
///   last wrote it (`kek:ID` in the entry's reference column), checked the same way.
/// The journal itself cannot lose its last entries unseen (its head is MACed, and the
/// writer checks it), and a rollback of journal and head together is caught by an anchor.
struct RowAuthenticator: Sendable {
    let storeID: [UInt8]
    private let rowMAC: HMAC<SHA256>
    let audit: AuditChain
    /// The integrity key's id (an HMAC of a label), to tell two keys apart without comparing them.
    let keyID: [UInt8]
    /// The past audit epochs as stored (``AuditEpochs``), carried into the next integrity key.
    let epochs: AuditEpochs

    /// Journal actions that write a subject row.
    static let subjectWrites = [AuditAction.enroll, .revoke, .delete, .update].map(\.rawValue)
    /// Journal actions that write a key row.
    static let keyWrites = [AuditAction.initialize, .keyRotation].map(\.rawValue)

    /// The authenticator of `integrityKey`; `epochs` (the store's `audit_epochs` metadata,
    /// absent until the integrity key is first replaced) gives the earlier audit keys.
    ///
    /// - Throws: ``StoreError`` `integrity` when the epochs do not unwrap under this key.
    init(storeID: [UInt8], integrityKey: SymmetricKey, epochs stored: [UInt8]? = nil) throws {
        self.storeID = storeID
        rowMAC = HMAC<SHA256>(key: Self.derive(integrityKey, storeID, "biomatch row mac v1"))
        keyID = Array(HMAC<SHA256>.authenticationCode(for: Array("biomatch integrity key id v1".utf8), using: integrityKey))
        let current = Self.derive(integrityKey, storeID, "biomatch audit mac v1")
        epochs = try stored.map(AuditEpochs.decode) ?? AuditEpochs(currentFrom: 1, past: [])
        let wrapping = Self.derive(integrityKey, storeID, "biomatch audit epochs v1")
        var chain: [(from: Int64, key: SymmetricKey)] = []
        for past in epochs.past {
            guard let wrapped = Data(base64Encoded: past.key), let key = try? AES.KeyWrap.unwrap(wrapped, using: wrapping) else {
                throw StoreError(.integrity, "an earlier audit key (from entry \(past.from)) does not unwrap under the store's integrity key: the metadata was altered")
            }
            chain.append((past.from, key))
        }
        chain.append((epochs.currentFrom, current))
        audit = AuditChain(epochs: chain, storeID: storeID)
    }

    static func derive(_ key: SymmetricKey, _ storeID: [UInt8], _ label: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: storeID, info: Array(label.utf8), outputByteCount: 32)
    }

    /// The epochs metadata for a new integrity key whose audit epoch starts at `from`: every
    /// audit key so far (this one's included), wrapped under the new key.
    func epochs(handingOverTo newKey: SymmetricKey, from: Int64) throws -> [UInt8] {
        let wrapping = Self.derive(newKey, storeID, "biomatch audit epochs v1")
        var past: [AuditEpochs.Past] = []
        for epoch in audit.epochs {
            let wrapped = try AES.KeyWrap.wrap(epoch.key, using: wrapping)
            past.append(AuditEpochs.Past(from: epoch.from, key: Data(wrapped).base64EncodedString()))
        }
        return try AuditEpochs(currentFrom: from, past: past).encoded()
    }

    private func code(_ e: CanonicalEncoder) -> [UInt8] {
        var h = rowMAC
        h.update(data: e.bytes)
        return Array(h.finalize())
    }

    func mac(_ row: SubjectRow) -> [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch subject row v2")
        e.string(row.id)
        e.string(row.status)
        e.int(row.createdAt)
        e.int(row.version)
        e.data(row.manifest)
        return code(e)
    }

    func mac(_ row: KeyRow) -> [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch key row v1")
        e.data(storeID)
        e.string(row.id)
        e.string(row.status)
        e.int(row.createdAt)
        e.data(row.wrappedIntegrityKey)
        e.int(row.version)
        return code(e)
    }

    /// The digest of a subject's references: their ids and versions, sorted by id.
    func manifest(_ references: [ReferenceRow]) -> [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch subject manifest v1")
        e.data(storeID)
        for r in references.sorted(by: { $0.id < $1.id }) {
            e.string(r.id)
            e.int(r.version)
        }
        return Array(SHA256.hash(data: e.bytes))
    }

    func sealed(_ row: SubjectRow) -> SubjectRow {
        var row = row
        row.mac = mac(row)
        return row
    }

    func sealed(_ row: KeyRow) -> KeyRow {
        var row = row
        row.mac = mac(row)
        return row
    }

    /// The subject row, MAC checked (constant time), and the latest genuine one: the
    /// journal's last entry writing the subject is the one its version names.
    ///
    /// - Throws: ``StoreError`` `integrity`.
    func checkFresh(_ row: SubjectRow, in session: any StoreSession) throws {
        guard equal(mac(row), row.mac) else {
            throw StoreError(.integrity, "subject \(row.id) fails its integrity check: the stored record was altered")
        }
        guard let entry = try session.lastAudit(subjectID: row.id, actions: Self.subjectWrites), try audit.isGenuine(entry, in: session),
              entry.seq == row.version else {
            throw StoreError(.integrity, "subject \(row.id) is not the latest version the audit journal records (the record is of entry \(row.version)): an earlier copy of it was put back")
        }
    }

    /// The subject's references read are exactly those its manifest lists.
    ///
    /// - Throws: ``StoreError`` `integrity`.
    func checkManifest(_ subject: SubjectRow, references: [ReferenceRow]) throws {
        guard equal(manifest(references), subject.manifest) else {
            throw StoreError(.integrity, "the references of subject \(subject.id) are not those its record lists: a reference row was put back from an earlier copy, removed or added behind the store's back")
        }
    }

    /// The key row, MAC checked, and the latest genuine one.
    ///
    /// - Throws: ``StoreError`` `integrity`.
    func checkFresh(_ row: KeyRow, in session: any StoreSession, audit: AuditChain) throws {
        guard equal(mac(row), row.mac) else {
            throw StoreError(.integrity, "key row \(row.id) fails its integrity check: the key table was altered")
        }
        guard let entry = try session.lastAudit(referenceID: keyRecord(row.id), actions: Self.keyWrites), try audit.isGenuine(entry, in: session),
              entry.seq == row.version else {
            throw StoreError(.integrity, "key row \(row.id) is not the latest version the audit journal records: an earlier copy (a retired key made current again) was put back")
        }
    }

    private func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Constant time, so timing says nothing about how much of a forged MAC was right.
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The audit keys of earlier integrity keys, wrapped under the current one (store metadata
/// `audit_epochs`): the journal's entries before `currentFrom` verify under them.
struct AuditEpochs: Codable, Sendable, Hashable {
    struct Past: Codable, Sendable, Hashable {
        var from: Int64
        var key: String
    }
    var currentFrom: Int64
    var past: [Past]

    static func decode(_ bytes: [UInt8]) throws -> AuditEpochs {
        do { return try JSONDecoder().decode(AuditEpochs.self, from: Data(bytes)) } catch {
            throw StoreError(.integrity, "the store's audit epochs are malformed: the metadata was altered")
        }
    }

    func encoded() throws -> [UInt8] { Array(try JSONEncoder().encode(self)) }
}

/// How the journal names a key row in an entry's reference column.
func keyRecord(_ keyID: String) -> String { "kek:\(keyID)" }
