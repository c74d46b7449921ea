import BiomatchSupport
import Foundation

/// Store statistics (no biometric data).
public struct StoreStatistics: Sendable, Hashable, Codable {
    /// Where the store lives.
    public var location: String
    /// Subjects, and how many of them are revoked.
    public var subjects: Int
    /// Revoked subjects.
    public var subjectsRevoked: Int
    /// References.
    public var references: Int
    /// Revoked references.
    public var referencesRevoked: Int
    /// References by modality.
    public var referencesByModality: [String: Int]
    /// Sealed raw samples.
    public var samples: Int
    /// Key-encryption keys: id → status (active, rotating-out, retired).
    public var keys: [String: String]
    /// Records (templates and samples) wrapped under each key.
    public var recordsByKey: [String: Int]
    /// The key an unfinished rotation is moving to, if any.
    public var rotationTarget: String?
    /// Audit journal entries.
    public var auditEntries: Int
}

extension TemplateStore {
    /// Counts, key states and rotation state.
    ///
    /// - Throws: ``StoreError`` `backend` when the database cannot be read.
    public func statistics() throws -> StoreStatistics {
        let (counts, keyRows, target) = try backend.read { s in (try s.counts(), try s.keyRows(), try s.meta(Meta.rotationTarget)) }
        var byKey = counts.referencesByKey
        for (k, v) in counts.samplesByKey { byKey[k, default: 0] += v }
        return StoreStatistics(
            location: location, subjects: counts.subjects, subjectsRevoked: counts.subjectsRevoked, references: counts.references,
            referencesRevoked: counts.referencesRevoked, referencesByModality: counts.referencesByModality, samples: counts.samples,
            keys: Dictionary(keyRows.map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a }), recordsByKey: byKey,
            rotationTarget: target.flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) },
            auditEntries: counts.auditEntries)
    }

    /// Checks the audit journal's HMAC chain end to end: every entry's MAC, gap-free
    /// sequence numbers from 1, and the MACed head, so an edited, deleted, inserted,
    /// reordered or cut-off entry is found. Reads in pages, so memory stays bounded.
    ///
    /// - Throws: ``StoreError`` `backend` when the journal cannot be read (a broken chain is a result, not an error).
    public func verifyAudit(pageSize: Int = 4096) throws -> AuditVerification {
        var result = AuditVerification(entries: 0, valid: true, firstInvalidSequence: nil, problem: nil, headSequence: 0, headMAC: "")
        func fail(_ seq: Int64, _ problem: String) -> AuditVerification {
            result.valid = false
            result.firstInvalidSequence = seq
            result.problem = problem
            return result
        }
        var previous = audit.genesis
        var expected: Int64 = 1
        while true {
            let page = try backend.read { try $0.auditPage(afterSeq: expected - 1, limit: max(1, pageSize)) }
            if page.isEmpty { break }
            for row in page {
                guard row.seq == expected else {
                    return fail(expected, "entry \(expected) is missing (the next entry is \(row.seq)): entries were deleted")
                }
                guard audit.isValid(row, previous: previous) else {
                    return fail(row.seq, "entry \(row.seq) fails its MAC: it, or an entry before it, was altered, inserted or reordered")
                }
                previous = row.mac
                expected += 1
                result.entries += 1
            }
        }
        let headBytes = try backend.read { try $0.meta(Meta.auditHead) }
        guard let headBytes, let head = audit.parseHead(headBytes) else {
            return fail(expected, "the journal head is missing or fails its MAC")
        }
        guard head.sequence == result.entries, head.mac == previous else {
            if head.sequence > result.entries {
                return fail(result.entries + 1, "the journal ends at entry \(result.entries) but its head records \(head.sequence): entries were cut off the end")
            }
            return fail(head.sequence, "the journal head (entry \(head.sequence)) does not match its last entry (\(result.entries))")
        }
        result.headSequence = head.sequence
        result.headMAC = Hex.encode(head.mac)
        return result
    }

    /// Audit entries after `sequence`, at most `limit`, in order (for export and review).
    ///
    /// - Throws: ``StoreError`` `backend` when the journal cannot be read.
    public func auditEntries(after sequence: Int64 = 0, limit: Int = 1000) throws -> [AuditEntry] {
        try backend.read { try $0.auditPage(afterSeq: sequence, limit: limit) }.map {
            AuditEntry(sequence: $0.seq, time: $0.time, actor: $0.actor, action: $0.action, subjectID: $0.subjectID,
                       referenceID: $0.referenceID, outcome: $0.outcome, detail: $0.detail)
        }
    }

    /// Every reference id, in insertion order (metadata only; nothing is decrypted).
    ///
    /// - Throws: ``StoreError`` `backend` when the database cannot be read.
    public func referenceIDs() throws -> [String] {
        var ids: [String] = []
        var after: Int64 = 0
        while true {
            let page = try backend.read { try $0.referencePage(modality: nil, modelID: nil, afterSeq: after, limit: 8192) }
            guard let last = page.last else { break }
            after = last.seq
            ids += page.map(\.id)
        }
        return ids
    }

    /// Authenticates and opens every stored record (templates and samples), and checks
    /// every subject and key row is genuine and current: each subject is the version the
    /// journal last wrote and lists exactly its references, each key row likewise, and no
    /// reference is left without its subject. Returns the ids of what fails (subjects as
    /// `subject:ID`, keys as `kek:ID`). For periodic integrity sweeps and after a crash.
    ///
    /// - Throws: ``StoreError`` `backend` when the database cannot be read (records that fail are listed, not thrown).
    public func verifyRecords(pageSize: Int = 4096) throws -> (checked: Int, failures: [String]) {
        var checked = 0
        var failures: [String] = []
        var after: Int64 = 0
        while true {
            let page = try backend.read { try $0.referencePage(modality: nil, modelID: nil, afterSeq: after, limit: pageSize) }
            guard let last = page.last else { break }
            after = last.seq
            for row in page {
                checked += 1
                do {
                    _ = try open(row)
                    let (subject, sample) = try backend.read { s in (try s.subject(row.subjectID), try s.sample(row.id)) }
                    if subject == nil { throw StoreError(.integrity, "reference \(row.id) has no subject") }
                    if let sample { _ = try open(sample, subjectID: row.subjectID) }
                } catch let e as StoreError where e.code == .integrity { failures.append(row.id) }
            }
        }
        var afterID = ""
        while true {
            let page = try backend.read { try $0.subjectPage(afterID: afterID, limit: pageSize) }
            guard let last = page.last else { break }
            afterID = last.id
            for subject in page {
                checked += 1
                do { _ = try backend.read { try checkedSubject(subject.id, in: $0) } } catch let e as StoreError where e.code == .integrity {
                    failures.append("subject:\(subject.id)")
                }
            }
        }
        for row in try backend.read({ try $0.keyRows() }) {
            checked += 1
            do { try backend.read { try rows.checkFresh(row, in: $0, audit: audit) } } catch let e as StoreError where e.code == .integrity {
                failures.append(keyRecord(row.id))
            }
        }
        return (checked, failures)
    }
}

extension TemplateStore {
    /// Creates (if needed) the PostgreSQL role the application logs in as, with the least it
    /// needs: it reads and writes references, subjects, samples, keys and metadata, but may
    /// only read and append the audit journal, the change feed and the replay table — no
    /// UPDATE or DELETE there (replay rows leave only expired, through the owner's
    /// `biomatch_forget_expired`) — and, not owning the tables, cannot drop or disable the
    /// journal's guards. Run it as the store's owner (the role `store init` connects as).
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for an SQLite store or a role name that is
    ///   not a plain identifier (`[a-z_][a-z0-9_]*`, at most 63), `backend`.
    public func provisionApplicationRole(_ role: String) throws {
        guard let postgres = backend as? PostgresBackend else {
            throw StoreError(.invalidArgument, "application roles are PostgreSQL's; an SQLite store is guarded by its file's mode and triggers")
        }
        let allowed = role.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
        guard (1...63).contains(role.utf8.count), allowed, let first = role.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw StoreError(.invalidArgument, "a role name is a plain identifier: lowercase letters, digits and _, at most 63, not starting with a digit")
        }
        try postgres.write { session in
            for statement in StoreSchema.applicationRoleGrants(role) { try session.executeForTesting(statement) }
        }
    }
}
