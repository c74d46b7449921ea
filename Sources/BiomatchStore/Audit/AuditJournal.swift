import Crypto
import Foundation

/// What an audit entry records.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    /// The store was created.
    case initialize = "init"
    /// A reference was stored.
    case enroll
    /// A reference's metadata changed.
    case update
    /// A subject or reference was revoked.
    case revoke
    /// A subject or reference was deleted and its data key destroyed.
    case delete
    /// A 1:1 verification ran against a stored subject.
    case verify
    /// A 1:N identification ran against the store's gallery.
    case identify
    /// A key rotation started, progressed or completed.
    case keyRotation = "key-rotation"
}

/// One audit journal entry, as read back.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the journal, from 1, without gaps.
    public let sequence: Int64
    /// Time, ms since 1970.
    public let time: Int64
    /// Who did it (an operator, a terminal id, a service name).
    public let actor: String
    /// What was done.
    public let action: String
    /// The subject concerned, if any.
    public let subjectID: String?
    /// The reference concerned, if any.
    public let referenceID: String?
    /// The result ("enrolled", "match", "no-match", "revoked", …).
    public let outcome: String
    /// Short non-biometric detail (counts, key ids).
    public let detail: String
}

/// The outcome of checking the journal's HMAC chain.
public struct AuditVerification: Sendable, Hashable, Codable {
    /// Entries checked.
    public var entries: Int64
    /// Whether every entry, the sequence and the head check out.
    public var valid: Bool
    /// The first entry that fails, if any.
    public var firstInvalidSequence: Int64?
    /// What failed, for an operator.
    public var problem: String?
    /// The journal head (last sequence and its MAC, hex): write it down somewhere else to
    /// detect a later rollback of the whole journal.
    public var headSequence: Int64
    /// The head MAC, hex.
    public var headMAC: String
}

/// The HMAC chain: each entry's MAC covers the previous entry's MAC and its own fields,
/// so editing, deleting, inserting or reordering entries breaks every later MAC. The
/// head (last sequence and MAC, itself MACed) is kept in the store's metadata, so cutting
/// entries off the end is caught too.
///
/// After the store's integrity key is replaced (a re-encrypting rotation) the chain goes
/// on under the new key: each epoch's key MACs the entries from its first sequence number
/// on, and the first entry under a new key covers the last MAC of the old one.
struct AuditChain: Sendable {
    /// (first sequence, key), ascending; the last is current.
    let epochs: [(from: Int64, key: SymmetricKey)]
    let storeID: [UInt8]

    init(key: SymmetricKey, storeID: [UInt8]) {
        self.init(epochs: [(1, key)], storeID: storeID)
    }

    init(epochs: [(from: Int64, key: SymmetricKey)], storeID: [UInt8]) {
        self.epochs = epochs
        self.storeID = storeID
    }

    /// The key new entries and the head are MACed with.
    var key: SymmetricKey { epochs[epochs.count - 1].key }

    func key(for seq: Int64) -> SymmetricKey {
        epochs.last { $0.from <= seq }?.key ?? epochs[0].key
    }

    var genesis: [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch audit genesis v1")
        e.data(storeID)
        return Array(HMAC<SHA256>.authenticationCode(for: e.bytes, using: key(for: 1)))
    }

    func mac(of row: AuditRow, previous: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.encode(row, previous: previous), using: key(for: row.seq)))
    }

    func isValid(_ row: AuditRow, previous: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(row.mac, authenticating: Self.encode(row, previous: previous), using: key(for: row.seq))
    }

    static func encode(_ row: AuditRow, previous: [UInt8]) -> [UInt8] {
        // An entry that concludes a probe transaction binds its id under its own domain.
        var e = CanonicalEncoder(domain: row.transactionID == nil ? "biomatch audit entry v1" : "biomatch audit entry v2")
        e.data(previous)
        e.int(row.seq)
        e.int(row.time)
        e.string(row.actor)
        e.string(row.action)
        e.optionalData(row.subjectID.map { Array($0.utf8) })
        e.optionalData(row.referenceID.map { Array($0.utf8) })
        e.string(row.outcome)
        e.string(row.detail)
        if let id = row.transactionID { e.string(id) }
        return e.bytes
    }

    /// Whether `row` is a genuine entry of this journal: its MAC checks against the entry
    /// before it (read from `session`), or the genesis for the first.
    func isGenuine(_ row: AuditRow, in session: any StoreSession) throws -> Bool {
        let previous: [UInt8]
        if row.seq == 1 {
            previous = genesis
        } else {
            guard let before = try session.audit(seq: row.seq - 1) else { return false }
            previous = before.mac
        }
        return isValid(row, previous: previous)
    }

    /// The head record: sequence (8 bytes) ‖ last MAC (32) ‖ MAC of both (32).
    func head(sequence: Int64, mac: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: sequence.bigEndian) { out += $0 }
        out += mac
        out += Array(HMAC<SHA256>.authenticationCode(for: out, using: key))
        return out
    }

    /// Reads a head record back; nil when it is malformed or its MAC fails.
    func parseHead(_ bytes: [UInt8]) -> (sequence: Int64, mac: [UInt8])? {
        guard bytes.count == 72 else { return nil }
        guard HMAC<SHA256>.isValidAuthenticationCode(Array(bytes[72 - 32 ..< 72]), authenticating: Array(bytes[0 ..< 40]), using: key) else { return nil }
        var seq: Int64 = 0
        for b in bytes[0 ..< 8] { seq = seq << 8 | Int64(b) }
        return (seq, Array(bytes[8 ..< 40]))
    }
}

/// Appends entries inside one write transaction and moves the head once at the end.
struct AuditWriter {
    let chain: AuditChain
    let session: any StoreSession
    private var sequence: Int64
    private var previous: [UInt8]
    private var buffered: [AuditRow] = []

    /// A writer continuing the journal, which must end where its MACed head says: a journal
    /// whose last entries were cut off (or one grown behind the head) is never extended.
    ///
    /// - Throws: ``StoreError`` `integrity` when the journal and its head disagree.
    init(chain: AuditChain, session: any StoreSession) throws {
        self.chain = chain
        self.session = session
        let last = try session.lastAudit()
        if let last {
            sequence = last.seq
            previous = last.mac
        } else {
            sequence = 0
            previous = chain.genesis
        }
        let head = try session.meta(TemplateStore.Meta.auditHead).flatMap(chain.parseHead)
        switch (head, last) {
        case (nil, nil):
            break  // a new store
        case (let head?, _) where head.sequence == sequence && head.mac == previous:
            break
        default:
            throw StoreError(.integrity, "the audit journal ends at entry \(sequence) but its head records \(head.map { "entry \($0.sequence)" } ?? "none that checks"): entries were cut off or added behind the store's back, so it is not extended; run `biomatch store audit verify`")
        }
    }

    @discardableResult
    mutating func append(actor: String, action: AuditAction, subjectID: String? = nil, referenceID: String? = nil,
                         outcome: String, detail: String = "", time: Int64, transactionID: String? = nil) throws -> Int64 {
        sequence += 1
        var row = AuditRow(seq: sequence, time: time, actor: actor, action: action.rawValue, subjectID: subjectID,
                           referenceID: referenceID, outcome: outcome, detail: detail, mac: [], transactionID: transactionID)
        row.mac = chain.mac(of: row, previous: previous)
        buffered.append(row)
        previous = row.mac
        return sequence
    }

    /// The last entry's sequence number and MAC, as they stand with the buffered entries.
    var last: (sequence: Int64, mac: [UInt8]) { (sequence, previous) }

    /// Writes the buffered entries and the new head; call once, last, in the same transaction.
    func finish() throws {
        guard !buffered.isEmpty else { return }
        try session.appendAudits(buffered)
        try session.setMeta(TemplateStore.Meta.auditHead, chain.head(sequence: sequence, mac: previous))
    }
}
