import BiomatchSupport
import Crypto
import Foundation
import Logging

/// The encrypted, tamper-evident template store.
///
/// Every template (and raw sample) is sealed with AES-256-GCM under its own random data
/// key; the data key is wrapped (AES key wrap, RFC 3394) under a key-encryption key (KEK)
/// whose id is stored beside it. The GCM additional data binds the ciphertext to the
/// store and to every metadata field of its row — reference id, subject, modality,
/// finger position, model id and version, quality, dates, status — so a ciphertext moved
/// to another row, or any altered byte, is an ``StoreError/Code/integrity`` error, and
/// a revocation cannot be undone behind the store's back. Subject and key rows carry an
/// HMAC under the store's integrity key. Every change appends an entry to an HMAC-chained
/// audit journal in the same transaction.
///
/// Earlier genuine versions put back are caught as well: every reference row carries a
/// fresh random version (bound into its AAD) that its subject's manifest lists; every
/// subject and key row carries the sequence number of the journal entry that last wrote
/// it, checked against the journal whenever it is read; the journal's writer refuses to
/// extend a chain that does not end where its MACed head says; and a head signed and kept
/// outside the database (an anchor) catches a rollback of everything at once.
///
/// One handle may be used from many threads; writers are serialised by the database
/// (across processes and, on PostgreSQL, across nodes).
public final class TemplateStore: Sendable {
    enum Meta {
        static let format = "format"
        static let storeID = "store_id"
        static let createdAt = "created_at"
        static let scrypt = "scrypt"
        static let auditHead = "audit_head"
        static let rotationTarget = "rotation_target"
        /// "reencrypt" while a re-encrypting rotation is unfinished.
        static let rotationKind = "rotation_kind"
        static let auditEpochs = "audit_epochs"
    }

    static let formatName = "biomatch-template-store-2"
    /// Stores of the first format lack record versions; this build does not read them.
    static let legacyFormatNames = ["biomatch-template-store-1"]

    let backend: any StoreBackend
    let storeID: [UInt8]
    let ring: LockedValue<KeyRing>
    /// The keys this handle holds now (a rotation adds the new key).
    var keys: KeyRing { ring.withLock { $0 } }
    /// Subject and key row MACs, manifests and the freshness checks, under the integrity key
    /// this handle knows (replaced when a re-encrypting rotation, here or elsewhere, moves
    /// the store to a new one).
    let integrity: LockedValue<RowAuthenticator>
    var rows: RowAuthenticator { integrity.withLock { $0 } }
    var audit: AuditChain { rows.audit }
    /// Who this handle acts as in the audit journal.
    public let actor: String
    let logger = Logger(label: "biomatch.store")

    /// Where the store lives.
    public var location: String { backend.location }

    /// Ids of the key-encryption keys this handle holds; the first wraps new records.
    public var keyIDs: [String] { [keys.primary.id] + keys.ids.filter { $0 != keys.primary.id } }

    private init(backend: any StoreBackend, storeID: [UInt8], keys: KeyRing, rows: RowAuthenticator, actor: String) {
        self.backend = backend
        self.storeID = storeID
        ring = LockedValue(keys)
        self.actor = actor
        integrity = LockedValue(rows)
    }

    /// The current time in ms since 1970, the store's clock.
    public static func now() -> Int64 { UnixMilliseconds.now() }

    // MARK: creating and opening

    /// Creates a new, empty store.
    ///
    /// - Parameters:
    ///   - location: where; for SQLite the file must not exist yet.
    ///   - key: the first key-encryption key; with ``KeySource/passphrase(_:)`` fresh scrypt
    ///     parameters and a per-store salt are generated and stored.
    ///   - actor: recorded in the audit journal.
    /// - Throws: ``StoreError`` `storeExists`, a key error, or `backend`.
    public static func create(at location: StoreLocation, key: KeySource, actor: String) throws -> TemplateStore {
        let scrypt: ScryptParameters? = key.isPassphrase ? .fresh() : nil
        let kek = try key.resolve(scrypt: scrypt)
        let backend: any StoreBackend
        switch location {
        case .sqlite(let path):
            guard !FileManager.default.fileExists(atPath: path) else {
                throw StoreError(.storeExists, "\(path) already exists; open it, or choose a new path")
            }
            // Private from the first byte; SQLite gives its WAL and journal files the same mode.
            try SecretFile.createPrivate(path)
            backend = try location.backend(readOnly: false)
        case .postgres:
            backend = try location.backend(readOnly: false)
            if try backend.isInitialized() {
                backend.close()
                throw StoreError(.storeExists, "\(location) already holds a store; open it, or choose another database")
            }
        }
        let storeID = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let integrityKey = SymmetricKey(size: .bits256)
        let store = TemplateStore(backend: backend, storeID: storeID, keys: KeyRing(kek),
                                  rows: try RowAuthenticator(storeID: storeID, integrityKey: integrityKey), actor: actor)
        let now = now()
        let wrapped = try wrap(integrityKey, under: kek)
        try backend.initialize { session in
            try session.setMeta(Meta.format, Array(formatName.utf8))
            try session.setMeta(Meta.storeID, storeID)
            try session.setMeta(Meta.createdAt, Array(String(now).utf8))
            if let scrypt { try session.setMeta(Meta.scrypt, Array(try JSONEncoder().encode(scrypt))) }
            var writer = try store.writer(session)
            let seq = try writer.append(actor: actor, action: .initialize, referenceID: keyRecord(kek.id), outcome: "created",
                                        detail: "key \(kek.id)", time: now)
            try session.putKeyRow(store.rows.sealed(KeyRow(id: kek.id, status: KeyStatus.active.rawValue, createdAt: now,
                                                           wrappedIntegrityKey: wrapped, version: seq)))
            try writer.finish()
        }
        store.logger.info("created template store", metadata: ["location": "\(location)", "key": "\(kek.id)"])
        return store
    }

    /// Opens an existing store.
    ///
    /// Everything is checked before anything is written: the store must exist and be of
    /// this format, and at least one key must be a current (not retired) key of the store.
    ///
    /// - Parameters:
    ///   - keys: the key sources; the first that is a current store key wraps new records.
    ///     Around a rotation pass the old and the new key (the new one may be unknown to the
    ///     store until the rotation starts), so records wrapped under either open.
    ///   - readOnly: open without write access (statistics, audit verification, loading).
    /// - Throws: ``StoreError`` `storeMissing`, `unsupportedStore`, `keyUnavailable`,
    ///   `keyFileInsecure`, `invalidKey`, `wrongKey`, `integrity` or `backend`.
    public static func open(at location: StoreLocation, keys sources: [KeySource], actor: String, readOnly: Bool = false) throws -> TemplateStore {
        guard !sources.isEmpty else { throw StoreError(.keyUnavailable, "no key given for the store \(location)") }
        // Validate with a read-only connection first, so a bad key writes nothing at all.
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.storeMissing, "no store at \(path); create one with `biomatch store init`")
        }
        // The probe is a single read-only connection: it neither creates nor changes a file.
        let probe: any StoreBackend
        if case .sqlite(let path) = location { probe = try SQLiteBackend(path: path, readOnly: true) } else { probe = try location.backend(readOnly: true) }
        let (storeID, ring, rows): ([UInt8], KeyRing, RowAuthenticator)
        do {
            (storeID, ring, rows) = try unlock(probe, sources: sources)
            probe.close()
        } catch {
            probe.close()
            throw error
        }
        let backend = try location.backend(readOnly: readOnly)
        let store = TemplateStore(backend: backend, storeID: storeID, keys: ring, rows: rows, actor: actor)
        if case .sqlite(let path) = location, [path, path + "-wal", path + "-shm"].contains(where: SecretFile.isReadableByOthers) {
            store.logger.warning("the store's files can be read by group or others; templates are encrypted, but run `chmod 600` on them",
                                 metadata: ["location": "\(path)"])
        }
        return store
    }

    private static func unlock(_ backend: any StoreBackend, sources: [KeySource]) throws -> ([UInt8], KeyRing, RowAuthenticator) {
        guard try backend.isInitialized() else {
            throw StoreError(.storeMissing, "\(backend.location) holds no Biomatch template store; create one with `biomatch store init`")
        }
        let (format, storeID, scryptBytes, keyRows, epochs) = try backend.read { s in
            (try s.meta(Meta.format), try s.meta(Meta.storeID), try s.meta(Meta.scrypt), try s.keyRows(), try s.meta(Meta.auditEpochs))
        }
        guard let format, String(decoding: format, as: UTF8.self) == formatName else {
            if let format, legacyFormatNames.contains(String(decoding: format, as: UTF8.self)) {
                throw StoreError(.unsupportedStore, "\(backend.location) is a store of the first format, whose records carry no versions; export it with the Biomatch that made it (`store export`) and import the archive into a new store")
            }
            throw StoreError(.unsupportedStore, "\(backend.location) is not a store of format \(formatName)")
        }
        guard let storeID, storeID.count == 16 else { throw StoreError(.integrity, "the store id of \(backend.location) is missing or malformed") }
        var scrypt: ScryptParameters?
        if let scryptBytes {
            guard let p = try? JSONDecoder().decode(ScryptParameters.self, from: Data(scryptBytes)) else {
                throw StoreError(.integrity, "the stored scrypt parameters of \(backend.location) are malformed")
            }
            scrypt = p
        }
        let keks = try sources.map { try $0.resolve(scrypt: scrypt) }
        let usable = keyRows.filter { $0.status != KeyStatus.retired.rawValue }
        let known = usable.map(\.id).joined(separator: ", ")
        // Keys the store does not know yet are allowed beside a known one: a terminal is
        // configured with the next key before a rotation to it starts.
        var integrityKey: SymmetricKey?
        var primary: KeyEncryptionKey?
        for kek in keks {
            guard let row = usable.first(where: { $0.id == kek.id }) else { continue }
            guard let ik = try? AES.KeyWrap.unwrap(row.wrappedIntegrityKey, using: kek.key) else {
                throw StoreError(.integrity, "the store's integrity key wrapped under key \(kek.id) fails its check: the key table was altered")
            }
            if let integrityKey, integrityKey != ik {
                throw StoreError(.integrity, "keys \(keks.map(\.id).joined(separator: ", ")) unwrap different integrity keys: the key table was altered")
            }
            integrityKey = ik
            if primary == nil { primary = kek }
        }
        var authenticator: RowAuthenticator?
        if let integrityKey {
            // Every key row must be genuine and current: a retired key's row put back (to open
            // the store with a stolen old key) is caught here.
            let probe = try RowAuthenticator(storeID: storeID, integrityKey: integrityKey, epochs: epochs)
            try backend.read { session in
                for row in keyRows { try probe.checkFresh(row, in: session, audit: probe.audit) }
            }
            authenticator = probe
        }
        guard let authenticator, let primary else {
            let ids = keks.map(\.id).joined(separator: ", ")
            if keks.contains(where: { k in keyRows.contains { $0.id == k.id } }) {
                throw StoreError(.wrongKey, "key \(ids) was retired from the store \(backend.location); use its current key (\(known))")
            }
            throw StoreError(.wrongKey, "key \(ids) is not a key of the store \(backend.location) (its keys: \(known))")
        }
        return (storeID, KeyRing(primary: primary, others: keks.filter { $0.id != primary.id }), authenticator)
    }

    /// Takes up the store's current integrity key when a re-encrypting rotation has replaced
    /// the one this handle knows (it must hold the new key-encryption key).
    ///
    /// - Returns: whether the key changed (so a failed check is worth repeating).
    func refreshIntegrity(in session: any StoreSession) throws -> Bool {
        let rows = try session.keyRows(), epochs = try session.meta(Meta.auditEpochs)
        for kek in [keys.primary] + keys.ids.compactMap({ keys.key(id: $0) }) {
            guard let row = rows.first(where: { $0.id == kek.id && $0.status != KeyStatus.retired.rawValue }),
                  let key = try? AES.KeyWrap.unwrap(row.wrappedIntegrityKey, using: kek.key) else { continue }
            let fresh = try RowAuthenticator(storeID: storeID, integrityKey: key, epochs: epochs)
            guard fresh.keyID != self.rows.keyID else { return false }
            integrity.withLock { $0 = fresh }
            logger.info("took up the store's new integrity key")
            return true
        }
        return false
    }

    /// A journal writer over `session`, after taking up a new integrity key if the store moved to one.
    func writer(_ session: any StoreSession) throws -> AuditWriter {
        do {
            return try AuditWriter(chain: audit, session: session)
        } catch let failure as StoreError where failure.code == .integrity {
            guard try refreshIntegrity(in: session) else { throw failure }
            return try AuditWriter(chain: audit, session: session)
        }
    }

    static func wrap(_ key: SymmetricKey, under kek: KeyEncryptionKey) throws -> [UInt8] {
        do { return Array(try AES.KeyWrap.wrap(key, using: kek.key)) } catch {
            throw StoreError(.backend, "key wrapping failed: \(error)")
        }
    }

    /// Closes the database connection; the handle must not be used afterwards.
    public func close() { backend.close() }

    // MARK: authentication of rows

    enum KeyStatus: String {
        case active
        case rotatingOut = "rotating-out"
        case retired
    }

    /// The template's additional authenticated data: the store, every metadata field and
    /// the version of the row, so altering any of them (or moving the ciphertext, or putting
    /// an earlier version back) fails the GCM tag or the subject's manifest.
    /// Not bound: the key id and wrapped data key, which a rotation rewrites (the key
    /// wrap has its own integrity check, and an unknown key id is refused).
    static func templateAAD(storeID: [UInt8], _ row: ReferenceRow) -> [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch template aad v3")
        e.data(storeID)
        e.string(row.id)
        e.string(row.subjectID)
        e.string(row.modality)
        e.int(row.fingerPosition)
        e.string(row.modelID)
        e.string(row.modelVersion)
        e.int(row.quality)
        e.int(row.createdAt)
        e.optionalInt(row.validFrom)
        e.optionalInt(row.validUntil)
        e.string(row.status)
        e.optionalData(row.partition.map { Array($0.utf8) })
        e.int(row.version)
        return e.bytes
    }

    /// The AAD of a first-format store's template (no version; a partition under its own
    /// domain), to import archives such stores exported.
    static func legacyTemplateAAD(storeID: [UInt8], _ row: ReferenceRow) -> [UInt8] {
        var e = CanonicalEncoder(domain: row.partition == nil ? "biomatch template aad v1" : "biomatch template aad v2")
        e.data(storeID)
        e.string(row.id)
        e.string(row.subjectID)
        e.string(row.modality)
        e.int(row.fingerPosition)
        e.string(row.modelID)
        e.string(row.modelVersion)
        e.int(row.quality)
        e.int(row.createdAt)
        e.optionalInt(row.validFrom)
        e.optionalInt(row.validUntil)
        e.string(row.status)
        if let partition = row.partition { e.string(partition) }
        return e.bytes
    }

    func templateAAD(_ row: ReferenceRow) -> [UInt8] { Self.templateAAD(storeID: storeID, row) }

    static func sampleAAD(storeID: [UInt8], _ referenceID: String, subjectID: String) -> [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch sample aad v1")
        e.data(storeID)
        e.string(referenceID)
        e.string(subjectID)
        return e.bytes
    }

    func sampleAAD(_ referenceID: String, subjectID: String) -> [UInt8] { Self.sampleAAD(storeID: storeID, referenceID, subjectID: subjectID) }

    /// The subject row, authenticated and checked to be the latest (see ``RowAuthenticator``).
    func verified(_ row: SubjectRow, in session: any StoreSession) throws -> SubjectRow {
        try rows.checkFresh(row, in: session)
        return row
    }

    /// A subject and its references, read in one snapshot and checked together: the subject
    /// is genuine and current, and its references are exactly those it lists.
    ///
    /// - Throws: ``StoreError`` `notFound` for no such subject, `integrity`.
    func checkedSubject(_ subjectID: String, in session: any StoreSession) throws -> (subject: SubjectRow, references: [ReferenceRow]) {
        guard let subject = try session.subject(subjectID) else { throw StoreError(.notFound, "no subject \(subjectID)") }
        do {
            try rows.checkFresh(subject, in: session)
        } catch let failure as StoreError where failure.code == .integrity {
            guard try refreshIntegrity(in: session) else { throw failure }
            try rows.checkFresh(subject, in: session)  // the store moved to a new integrity key meanwhile
        }
        let references = try session.references(subjectID: subjectID)
        try rows.checkManifest(subject, references: references)
        return (subject, references)
    }

    func info(_ row: ReferenceRow) throws -> ReferenceInfo {
        guard let modality = Modality(rawValue: row.modality), let status = ReferenceStatus(rawValue: row.status) else {
            throw StoreError(.integrity, "reference \(row.id) has an unknown modality or status: the stored record was altered")
        }
        return ReferenceInfo(id: row.id, subjectID: row.subjectID, modality: modality, fingerPosition: Int(row.fingerPosition),
                             modelID: row.modelID, modelVersion: row.modelVersion, quality: Int(row.quality), createdAt: row.createdAt,
                             validity: ValidityPeriod(notBefore: row.validFrom, notAfter: row.validUntil), status: status,
                             keyID: row.template.keyID, partition: row.partition)
    }

    /// Opens a sealed payload; a key id this handle lacks is `wrongKey` when the store
    /// has such a key, and an integrity error when no such key ever existed (the id was altered).
    func open(_ payload: SealedPayload, aad: [UInt8], keys: KeyRing, what: @autoclosure () -> String) throws -> [UInt8] {
        do {
            return try payload.open(aad: aad, keys: keys, what: what())
        } catch StoreError.Code.wrongKey {
            let known = (try? backend.read { try $0.keyRows() })?.contains { $0.id == payload.keyID } ?? true
            guard known else {
                throw StoreError(.integrity, "\(what()) names key \(payload.keyID), which this store never had: the stored record was altered")
            }
            throw StoreError(.wrongKey, "\(what()) is wrapped under key \(payload.keyID), which this handle does not hold (it holds \(keys.ids.joined(separator: ", ")))")
        }
    }

    /// Authenticates a row and opens its template.
    func open(_ row: ReferenceRow, keys: KeyRing? = nil) throws -> StoredTemplate {
        let info = try info(row)
        let bytes = try open(row.template, aad: templateAAD(row), keys: keys ?? self.keys, what: "the template of reference \(row.id)")
        return StoredTemplate(info: info, template: bytes)
    }

    /// Opens a sample row.
    func open(_ sample: SampleRow, subjectID: String) throws -> [UInt8] {
        try open(sample.payload, aad: sampleAAD(sample.referenceID, subjectID: subjectID), keys: keys,
                 what: "the sample of reference \(sample.referenceID)")
    }
}
