import Foundation
import Synchronization

extension TemplateStore {
    static let maximumTemplateBytes = 1 << 20
    static let maximumSampleBytes = 64 << 20

    static func checkID(_ id: String, _ what: String) throws {
        guard !id.isEmpty, id.utf8.count <= 128, id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw StoreError(.invalidArgument, "\(what) must be 1–128 printable characters without spaces")
        }
    }

    static func validate(_ d: ReferenceDraft) throws {
        try checkID(d.subjectID, "a subject id")
        if let id = d.referenceID { try checkID(id, "a reference id") }
        if let partition = d.partition { try checkID(partition, "a partition") }
        try checkID(d.modelID, "a model id")
        try checkID(d.modelVersion, "a model version")
        guard (0...100).contains(d.quality) else { throw StoreError(.invalidArgument, "quality \(d.quality) is outside 0–100") }
        switch d.modality {
        case .face: guard d.fingerPosition == 0 else { throw StoreError(.invalidArgument, "a face reference has no finger position") }
        case .finger: guard (0...10).contains(d.fingerPosition) else {
            throw StoreError(.invalidArgument, "finger position \(d.fingerPosition) is outside 0–10 (ISO/IEC 19794-2)")
        }
        }
        guard !d.template.isEmpty, d.template.count <= maximumTemplateBytes else {
            throw StoreError(.invalidArgument, "a template must be 1 byte to 1 MiB long")
        }
        if let s = d.sample, s.isEmpty || s.count > maximumSampleBytes {
            throw StoreError(.invalidArgument, "a raw sample must be 1 byte to 64 MiB long")
        }
        if let a = d.validity.notBefore, let b = d.validity.notAfter, a > b {
            throw StoreError(.invalidArgument, "the validity period ends before it starts")
        }
    }

    /// Stores a batch of references in one transaction: all or none.
    ///
    /// A draft whose reference id is already stored is reported ``EnrollmentOutcome/alreadyPresent(referenceID:)``
    /// and left as it is, so rerunning an interrupted batch stores each reference exactly once.
    /// Subjects are created on first use. Each stored reference gets an audit entry.
    ///
    /// - Throws: ``StoreError`` `invalidArgument` (nothing stored), `revoked` when a
    ///   subject is revoked, `wrongKey` when this handle's key was retired, or `backend`.
    @discardableResult
    public func enroll(_ drafts: [ReferenceDraft]) throws -> [EnrollmentOutcome] {
        try enroll(drafts, revoked: []).map(\.outcome)
    }

    /// ``enroll(_:)``, also giving the audit entry of each stored reference (nil for one
    /// that was already present), for a caller that cites it in its answer.
    ///
    /// - Throws: ``StoreError``: `invalidArgument` for a draft that fails validation, `integrity`, or `backend`.
    @discardableResult
    public func enrollAudited(_ drafts: [ReferenceDraft]) throws -> [(outcome: EnrollmentOutcome, auditSequence: Int64?)] {
        try enroll(drafts, revoked: [])
    }

    /// `revoked`: reference ids stored revoked from the start (an import keeping a source's revocations).
    func enroll(_ drafts: [ReferenceDraft], revoked: Set<String>) throws -> [(outcome: EnrollmentOutcome, auditSequence: Int64?)] {
        for d in drafts { try Self.validate(d) }
        let kek = keys.primary
        let now = Self.now()
        // Seal outside the transaction: the CPU work does not hold the write lock.
        var rows: [(ReferenceRow, SampleRow?)] = []
        rows.reserveCapacity(drafts.count)
        for d in drafts {
            var row = ReferenceRow(id: d.referenceID ?? UUID().uuidString.lowercased(), subjectID: d.subjectID, modality: d.modality.rawValue,
                                   fingerPosition: Int64(d.fingerPosition), modelID: d.modelID, modelVersion: d.modelVersion,
                                   quality: Int64(d.quality), createdAt: now, validFrom: d.validity.notBefore, validUntil: d.validity.notAfter,
                                   status: ReferenceStatus.active.rawValue,
                                   template: SealedPayload(keyID: "", wrappedKey: [], nonce: [], ciphertext: [], tag: []),
                                   partition: d.partition, version: Self.freshVersion())
            if revoked.contains(row.id) { row.status = ReferenceStatus.revoked.rawValue }
            row.template = try SealedPayload.seal(d.template, aad: templateAAD(row), under: kek)
            var sample: SampleRow?
            if let bytes = d.sample {
                sample = SampleRow(referenceID: row.id, payload: try SealedPayload.seal(bytes, aad: sampleAAD(row.id, subjectID: row.subjectID), under: kek))
            }
            rows.append((row, sample))
        }
        return try backend.write { session in
            try requireUsable(kek, session)
            var writer = try writer(session)
            // Two lookups for the whole batch, then writes only (pipelined on PostgreSQL).
            let existing = try session.existingReferenceIDs(rows.map(\.0.id))
            let stored = try session.subjects(rows.map(\.0.subjectID))
            var outcomes: [(outcome: EnrollmentOutcome, auditSequence: Int64?)] = []
            var seen = Set<String>()
            var newReferences: [ReferenceRow] = [], newSamples: [SampleRow] = []
            // Each subject touched: its row and references as they will stand, and the last entry.
            var touched: [String: (subject: SubjectRow, references: [ReferenceRow])] = [:]
            var order: [String] = []
            for (row, sample) in rows {
                if seen.contains(row.id) || existing.contains(row.id) {
                    outcomes.append((.alreadyPresent(referenceID: row.id), nil))
                    continue
                }
                seen.insert(row.id)
                if touched[row.subjectID] == nil {
                    if stored[row.subjectID] != nil {
                        let current = try checkedSubject(row.subjectID, in: session)
                        guard current.subject.status == ReferenceStatus.active.rawValue else {
                            throw StoreError(.revoked, "subject \(row.subjectID) is revoked; nothing in this batch was stored")
                        }
                        touched[row.subjectID] = current
                    } else {
                        touched[row.subjectID] = (SubjectRow(id: row.subjectID, status: ReferenceStatus.active.rawValue, createdAt: now, mac: []), [])
                    }
                    order.append(row.subjectID)
                }
                newReferences.append(row)
                if let sample { newSamples.append(sample) }
                let seq = try writer.append(actor: actor, action: .enroll, subjectID: row.subjectID, referenceID: row.id,
                                            outcome: row.status == ReferenceStatus.active.rawValue ? "enrolled" : "enrolled-revoked",
                                            detail: "\(row.modality) \(row.modelID)", time: now)
                touched[row.subjectID]?.references.append(row)
                touched[row.subjectID]?.subject.version = seq
                outcomes.append((.enrolled(referenceID: row.id), seq))
            }
            let subjects = order.compactMap { id in
                touched[id].map { entry -> SubjectRow in
                    var s = entry.subject
                    s.manifest = self.rows.manifest(entry.references)
                    return self.rows.sealed(s)
                }
            }
            try session.insertBatch(subjects: subjects, references: newReferences, samples: newSamples)
            try session.appendChanges(newReferences.map { ($0.subjectID, $0.id) }, time: now)
            try writer.finish()
            return outcomes
        }
    }

    /// Refuses to wrap new records under a key a rotation has already retired.
    func requireUsable(_ kek: KeyEncryptionKey, _ session: any StoreSession) throws {
        guard let row = try session.keyRows().first(where: { $0.id == kek.id }), row.status != KeyStatus.retired.rawValue else {
            throw StoreError(.wrongKey, "key \(kek.id) has been retired from the store \(location); reopen it with the current key")
        }
    }

    /// The reference's template, authenticated and decrypted (whatever its status: check
    /// ``ReferenceInfo/status`` and ``ReferenceInfo/validity`` before matching).
    ///
    /// - Throws: ``StoreError`` `notFound`, `integrity` (any stored byte altered) or `wrongKey`.
    public func template(_ referenceID: String) throws -> StoredTemplate {
        let row: ReferenceRow = try backend.read { session in
            guard let row = try session.reference(referenceID) else { throw StoreError(.notFound, "no reference \(referenceID)") }
            // The row must be the one its subject lists (not an earlier copy put back).
            let listed: [ReferenceRow]
            do { listed = try checkedSubject(row.subjectID, in: session).references } catch StoreError.Code.notFound {
                throw StoreError(.integrity, "reference \(referenceID) names subject \(row.subjectID), which is not stored: the row was altered or its subject removed behind the store's back")
            }
            guard listed.contains(row) else {
                throw StoreError(.integrity, "reference \(referenceID) changed while it was read; read it again")
            }
            return row
        }
        return try open(row)
    }

    /// The raw sample kept with a reference, if any.
    ///
    /// - Throws: ``StoreError`` `integrity`, `wrongKey` or `notFound` (no such reference).
    public func sample(_ referenceID: String) throws -> [UInt8]? {
        let sample = try backend.read { try $0.sample(referenceID) }
        let reference = try template(referenceID)  // the sample's binding to its subject is only as good as the row's
        guard let sample else { return nil }
        return try open(sample, subjectID: reference.info.subjectID)
    }

    /// Metadata of every reference of a subject, authenticated.
    ///
    /// - Throws: ``StoreError`` `notFound` for an unknown subject, `integrity`.
    public func references(subjectID: String) throws -> [ReferenceInfo] {
        let rows = try backend.read { try checkedSubject(subjectID, in: $0).references }
        return try rows.map { try open($0).info }
    }

    /// The active, currently valid templates of a subject (for 1:1 verification).
    ///
    /// - Throws: ``StoreError`` `notFound`, `revoked` (the subject is revoked), `integrity`.
    public func activeTemplates(subjectID: String, modality: Modality, at time: Int64 = TemplateStore.now()) throws -> [StoredTemplate] {
        let (subject, rows) = try backend.read { try checkedSubject(subjectID, in: $0) }
        guard subject.status == ReferenceStatus.active.rawValue else { throw StoreError(.revoked, "subject \(subjectID) is revoked") }
        return try rows.filter { $0.modality == modality.rawValue }.map { try open($0) }
            .filter { $0.info.status == .active && $0.info.validity.contains(time) }
    }

    /// Revokes one reference: it stays stored (and audited) but is never loaded or matched again.
    /// Its template is sealed again under a fresh data key, since the status is bound into it.
    ///
    /// - Throws: ``StoreError`` `notFound`, `integrity` (a tampered row is not rewritten).
    public func revoke(referenceID: String, reason: String = "") throws {
        try backend.write { session in
            guard let stored = try session.reference(referenceID) else { throw StoreError(.notFound, "no reference \(referenceID)") }
            var (subject, references) = try checkedSubject(stored.subjectID, in: session)
            let row = try resealed(stored, status: .revoked)
            try session.replaceReference(id: referenceID, with: row)
            try session.appendChanges([(row.subjectID, row.id)], time: Self.now())
            var writer = try writer(session)
            subject.version = try writer.append(actor: actor, action: .revoke, subjectID: row.subjectID, referenceID: row.id,
                                                outcome: "revoked", detail: Self.clip(reason), time: Self.now())
            subject.manifest = rows.manifest(references.map { $0.id == row.id ? row : $0 })
            try session.putSubject(rows.sealed(subject))
            try writer.finish()
        }
    }

    /// Revokes a subject and every reference it has; later enrollments for it are refused.
    ///
    /// - Returns: the audit entry's sequence number.
    /// - Throws: ``StoreError`` `notFound`, `integrity`.
    @discardableResult
    public func revoke(subjectID: String, reason: String = "") throws -> Int64 {
        try backend.write { session in
            var (subject, references) = try checkedSubject(subjectID, in: session)
            var count = 0
            for (i, stored) in references.enumerated() where stored.status != ReferenceStatus.revoked.rawValue {
                references[i] = try resealed(stored, status: .revoked)
                try session.replaceReference(id: stored.id, with: references[i])
                count += 1
            }
            try session.appendChanges([(subjectID, nil)], time: Self.now())
            var writer = try writer(session)
            let seq = try writer.append(actor: actor, action: .revoke, subjectID: subjectID, outcome: "revoked",
                                        detail: "\(count) references; \(Self.clip(reason))", time: Self.now())
            subject.status = ReferenceStatus.revoked.rawValue
            subject.version = seq
            subject.manifest = rows.manifest(references)
            try session.putSubject(rows.sealed(subject))
            try writer.finish()
            return seq
        }
    }

    /// Deletes one reference and its sample. The wrapped data key goes with the row, so
    /// the ciphertext can never be opened again, even from a backup taken with the KEK;
    /// freed database pages are overwritten.
    ///
    /// - Throws: ``StoreError`` `notFound`, `backend`.
    public func delete(referenceID: String) throws {
        try backend.write { session in
            guard let row = try session.reference(referenceID) else { throw StoreError(.notFound, "no reference \(referenceID)") }
            var (subject, references) = try checkedSubject(row.subjectID, in: session)
            try session.deleteSample(referenceID)
            try session.deleteReference(referenceID)
            try session.appendChanges([(row.subjectID, referenceID)], time: Self.now())
            var writer = try writer(session)
            subject.version = try writer.append(actor: actor, action: .delete, subjectID: row.subjectID, referenceID: referenceID,
                                                outcome: "deleted", detail: "data key destroyed", time: Self.now())
            subject.manifest = rows.manifest(references.filter { $0.id != referenceID })
            try session.putSubject(rows.sealed(subject))
            try writer.finish()
        }
        try backend.purgeDeleted()
    }

    /// Deletes a subject with all its references and samples (see ``delete(referenceID:)``).
    ///
    /// - Throws: ``StoreError`` `notFound`, `backend`.
    public func delete(subjectID: String) throws {
        try backend.write { session in
            let rows = try checkedSubject(subjectID, in: session).references
            for row in rows {
                try session.deleteSample(row.id)
                try session.deleteReference(row.id)
            }
            try session.deleteSubject(subjectID)
            try session.appendChanges([(subjectID, nil)], time: Self.now())
            var writer = try writer(session)
            _ = try writer.append(actor: actor, action: .delete, subjectID: subjectID, outcome: "deleted",
                                  detail: "\(rows.count) references; data keys destroyed", time: Self.now())
            try writer.finish()
        }
        try backend.purgeDeleted()
    }

    /// Journals a verification or identification the engine ran, or an enrollment it refused
    /// (outcome `refused…`), with no biometric data: ids, the outcome and a short detail
    /// such as the FMR target or the refusal reason.
    ///
    /// - Returns: the entry's sequence number, for the decision to cite.
    @discardableResult
    /// `transactionID`: the probe transaction the entry concludes; the journal then refuses
    /// that transaction again even if the replay table is emptied behind the store's back.
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for an action the store journals itself, `integrity` when the journal head does not match, or `backend`.
    public func recordMatch(_ action: AuditAction, subjectID: String?, referenceID: String? = nil, outcome: String, detail: String = "",
                            transactionID: String? = nil) throws -> Int64 {
        guard action == .verify || action == .identify || (action == .enroll && outcome.hasPrefix("refused")) else {
            throw StoreError(.invalidArgument, "recordMatch takes verify, identify or a refused enroll; \(action.rawValue) is journaled by the store itself")
        }
        return try backend.write { session in
            var writer = try writer(session)
            let seq = try writer.append(actor: actor, action: action, subjectID: subjectID, referenceID: referenceID,
                                        outcome: Self.clip(outcome), detail: Self.clip(detail), time: Self.now(),
                                        transactionID: transactionID.map(Self.clip))
            try writer.finish()
            return seq
        }
    }

    /// Remembers a probe's transaction id until `expiry` (ms since 1970), for anti-replay
    /// shared by every process and node on this store; expired ids are dropped as it goes.
    /// An id the audit journal records as concluded (``recordMatch(_:subjectID:referenceID:outcome:detail:transactionID:)``)
    /// is a replay whatever the replay table holds, so emptying the table revives no probe.
    ///
    /// - Returns: false when the id is already remembered and unexpired: a replay.
    /// - Throws: ``StoreError`` `invalidArgument` for an empty or over-long id, `backend`.
    public func rememberTransaction(_ id: String, until expiry: Int64, now: Int64 = TemplateStore.now()) throws -> Bool {
        guard (1...200).contains(id.utf8.count) else { throw StoreError(.invalidArgument, "a transaction id is 1–200 bytes") }
        return try backend.write { session in
            let fresh = try session.rememberTransaction(id, expiresAt: expiry, now: now)
            return try fresh && !session.hasAudit(transactionID: id)
        }
    }

    /// Whether a probe's transaction id is already spent: remembered and unexpired, or
    /// concluded by a journal entry. A read, for refusing a replay before any work is done;
    /// the id is spent by ``recordConclusion(_:subjectID:referenceID:outcome:detail:transactionID:spentUntil:now:ifAlreadySpent:)``.
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for an empty or over-long id, `backend`.
    public func isTransactionSpent(_ id: String, now: Int64 = TemplateStore.now()) throws -> Bool {
        guard (1...200).contains(id.utf8.count) else { throw StoreError(.invalidArgument, "a transaction id is 1–200 bytes") }
        return try backend.read { session in
            try session.isTransactionRemembered(id, now: now) || session.hasAudit(transactionID: id)
        }
    }

    /// Journals the conclusion of a probe's transaction (its decision, or its refusal) and
    /// spends the id, in one write: a probe is concluded at most once, and a decision costs
    /// one commit. When the id turns out to be spent already (the same probe concluded by
    /// another request meanwhile), the entry written is `ifAlreadySpent` instead, if given.
    ///
    /// - Returns: the entry's sequence number, and whether the id was fresh.
    /// - Throws: ``StoreError`` `invalidArgument` for an action ``recordMatch(_:subjectID:referenceID:outcome:detail:transactionID:)``
    ///   does not take or a bad id, `backend`.
    public func recordConclusion(_ action: AuditAction, subjectID: String?, referenceID: String?, outcome: String, detail: String,
                                 transactionID: String, spentUntil expiry: Int64, now: Int64 = TemplateStore.now(),
                                 ifAlreadySpent: (outcome: String, detail: String)?) throws -> (sequence: Int64, fresh: Bool) {
        guard action == .verify || action == .identify || (action == .enroll && outcome.hasPrefix("refused")) else {
            throw StoreError(.invalidArgument, "recordConclusion takes verify, identify or a refused enroll, not \(action.rawValue)")
        }
        guard (1...200).contains(transactionID.utf8.count) else { throw StoreError(.invalidArgument, "a transaction id is 1–200 bytes") }
        return try backend.write { session in
            let fresh = try session.rememberTransaction(transactionID, expiresAt: expiry, now: now)
                && !session.hasAudit(transactionID: transactionID)
            let written = fresh ? nil : ifAlreadySpent
            var writer = try writer(session)
            let seq = try writer.append(actor: actor, action: action, subjectID: subjectID, referenceID: written == nil ? referenceID : nil,
                                        outcome: Self.clip(written?.outcome ?? outcome), detail: Self.clip(written?.detail ?? detail),
                                        time: Self.now(), transactionID: Self.clip(transactionID))
            try writer.finish()
            return (seq, fresh)
        }
    }

    /// The last sequence number of the change feed: enrollments, revocations and deletions,
    /// in commit order. An engine compares it with the last one it applied before each
    /// identification (one indexed read) and reads ``changes(after:limit:)`` when it moved.
    ///
    /// - Throws: ``StoreError`` `backend`.
    public func changeSequence() throws -> Int64 {
        try backend.read { try $0.maxChangeSeq() }
    }

    /// Up to `limit` changes after `seq`, in commit order.
    ///
    /// - Throws: ``StoreError`` `backend`.
    public func changes(after seq: Int64, limit: Int = 10_000) throws -> [ReferenceChange] {
        try backend.read { try $0.changes(afterSeq: seq, limit: max(1, limit)) }
    }

    static func clip(_ text: String) -> String { String(text.prefix(200)) }

    /// A reference row's version: random and never 0, so an earlier copy never matches.
    static func freshVersion() -> Int64 { Int64.random(in: 1...Int64.max) }

    /// The row with a new status, its template authenticated and sealed again (the status
    /// is bound into the GCM additional data). A tampered row is refused, not rewritten.
    func resealed(_ stored: ReferenceRow, status: ReferenceStatus) throws -> ReferenceRow {
        let plain = try open(stored).template
        var row = stored
        row.status = status.rawValue
        row.version = Self.freshVersion()
        row.template = try SealedPayload.seal(plain, aad: templateAAD(row), under: keys.primary)
        return row
    }
}
