import Crypto
import Foundation

/// What an export or import moved.
public struct TransferReport: Sendable, Hashable, Codable {
    /// References written to the archive, or enrolled from it.
    public var references = 0
    /// Of those, with a raw sample.
    public var samples = 0
    /// Import only: references already in the target store (left as they were).
    public var alreadyPresent = 0
}

/// The archive format: JSON lines. A header names the source store and the export key;
/// each record carries a reference's metadata and its sealed template (and sample) with
/// the data key re-wrapped under the export key — ciphertexts are copied, never
/// decrypted on the way out; a trailer holds the record count. Every line is MACed under
/// a key derived from the export key, and the trailer's MAC covers all record MACs, so a
/// changed, dropped, reordered or truncated archive is refused before anything is imported.
struct ExportArchive {
    static let format = "biomatch-store-export-1"

    struct Payload: Codable {
        var wrappedKey: String
        var nonce: String
        var ciphertext: String
        var tag: String

        enum CodingKeys: String, CodingKey {
            case wrappedKey = "wrapped_key", nonce, ciphertext, tag
        }
    }

    struct Header: Codable {
        var format: String
        var sourceStore: String
        var keyID: String
        var createdAt: Int64
        var mac: String?

        enum CodingKeys: String, CodingKey {
            case format, sourceStore = "source_store", keyID = "key_id", createdAt = "created_at", mac
        }
    }

    struct Record: Codable {
        var id: String
        var subjectID: String
        var modality: String
        var fingerPosition: Int64
        var modelID: String
        var modelVersion: String
        var quality: Int64
        var createdAt: Int64
        var validFrom: Int64?
        var validUntil: Int64?
        var status: String
        var template: Payload
        var sample: Payload?
        /// Absent in archives made before partitions (and for references without one).
        var partition: String?
        /// The row's version; absent in archives of first-format stores, whose templates
        /// are bound without one (``TemplateStore/legacyTemplateAAD(storeID:_:)``).
        var version: Int64?
        var mac: String?

        enum CodingKeys: String, CodingKey {
            case id, subjectID = "subject_id", modality, fingerPosition = "finger_position", modelID = "model_id"
            case modelVersion = "model_version", quality, createdAt = "created_at", validFrom = "valid_from"
            case validUntil = "valid_until", status, template, sample, partition, version, mac
        }
    }

    struct Trailer: Codable {
        var count: Int
        var mac: String?
    }

    static func macKey(_ key: KeyEncryptionKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key.key, info: Array("biomatch export mac v1".utf8), outputByteCount: 32)
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ line: Data, _ number: Int) throws -> T {
        do { return try JSONDecoder().decode(type, from: line) } catch {
            throw StoreError(.integrity, "archive line \(number) is not a valid \(type) entry")
        }
    }

    /// MAC of a line's canonical JSON (with its own mac field empty).
    static func mac(_ bytes: [UInt8], _ key: SymmetricKey) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: bytes, using: key)).base64EncodedString()
    }

    static func payload(_ p: SealedPayload) -> Payload {
        Payload(wrappedKey: Data(p.wrappedKey).base64EncodedString(), nonce: Data(p.nonce).base64EncodedString(),
                ciphertext: Data(p.ciphertext).base64EncodedString(), tag: Data(p.tag).base64EncodedString())
    }

    static func sealed(_ p: Payload, keyID: String, line: Int) throws -> SealedPayload {
        guard let w = Data(base64Encoded: p.wrappedKey), let n = Data(base64Encoded: p.nonce),
              let c = Data(base64Encoded: p.ciphertext), let t = Data(base64Encoded: p.tag) else {
            throw StoreError(.integrity, "archive line \(line) has malformed base64")
        }
        return SealedPayload(keyID: keyID, wrappedKey: Array(w), nonce: Array(n), ciphertext: Array(c), tag: Array(t))
    }
}

extension TemplateStore {
    /// Writes every reference (and sample) to an archive at `url`, with data keys
    /// re-wrapped under `exportKey`; nothing is decrypted. Every record is authenticated
    /// first: a tampered one stops the export with an integrity error.
    ///
    /// - Throws: ``StoreError`` `integrity`, `wrongKey`, `backend`, `invalidArgument` (the file exists).
    @discardableResult
    public func export(to url: URL, under exportKey: KeyEncryptionKey) throws -> TransferReport {
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw StoreError(.invalidArgument, "\(url.path) exists; refusing to overwrite an archive")
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw StoreError(.backend, "cannot create \(url.path)")
        }
        defer { try? handle.close() }
        let macKey = ExportArchive.macKey(exportKey)
        var chain: [UInt8] = []
        func write<T: Encodable>(_ value: T, sign: (inout T, String) -> Void) throws {
            var v = value
            let m = ExportArchive.mac(try ExportArchive.encode(v), macKey)
            sign(&v, m)
            chain += Array(m.utf8)
            try handle.write(contentsOf: Data(try ExportArchive.encode(v) + [0x0A]))
        }
        let keys = self.keys
        var report = TransferReport()
        try write(ExportArchive.Header(format: ExportArchive.format, sourceStore: Data(storeID).base64EncodedString(),
                                       keyID: exportKey.id, createdAt: Self.now())) { $0.mac = $1 }
        var after: Int64 = 0
        while true {
            let page = try backend.read { try $0.referencePage(modality: nil, modelID: nil, afterSeq: after, limit: 2048) }
            guard let last = page.last else { break }
            after = last.seq
            for row in page {
                _ = try open(row)  // authenticate before export
                let template = try row.template.rewrapped(keys: keys, to: exportKey, what: "the template of reference \(row.id)")
                var sample: SealedPayload?
                if let s = try backend.read({ try $0.sample(row.id) }) {
                    _ = try open(s, subjectID: row.subjectID)
                    sample = try s.payload.rewrapped(keys: keys, to: exportKey, what: "the sample of reference \(row.id)")
                    report.samples += 1
                }
                try write(ExportArchive.Record(
                    id: row.id, subjectID: row.subjectID, modality: row.modality, fingerPosition: row.fingerPosition, modelID: row.modelID,
                    modelVersion: row.modelVersion, quality: row.quality, createdAt: row.createdAt, validFrom: row.validFrom,
                    validUntil: row.validUntil, status: row.status, template: ExportArchive.payload(template),
                    sample: sample.map(ExportArchive.payload), partition: row.partition, version: row.version)) { $0.mac = $1 }
                report.references += 1
            }
        }
        var trailer = ExportArchive.Trailer(count: report.references)
        trailer.mac = ExportArchive.mac(try ExportArchive.encode(trailer) + chain, macKey)
        try handle.write(contentsOf: Data(try ExportArchive.encode(trailer) + [0x0A]))
        try handle.synchronize()
        return report
    }

    /// Imports an archive written by ``export(to:under:)`` (from this or another store):
    /// the whole file is authenticated first, then every reference is opened with
    /// `exportKey` and enrolled here under this store's key, keeping its reference id,
    /// subject, metadata and revocation status, in batches of `batchSize`. Rerunning an
    /// interrupted import stores each reference once.
    ///
    /// - Throws: ``StoreError`` `integrity` (a changed, truncated or foreign archive:
    ///   nothing imported), `wrongKey` (the archive is under another key), `backend`.
    @discardableResult
    public func importArchive(from url: URL, exportKey: KeyEncryptionKey, batchSize: Int = 500) throws -> TransferReport {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StoreError(.notFound, "cannot read the archive \(url.path)")
        }
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Data($0) }
        guard lines.count >= 2 else { throw StoreError(.integrity, "\(url.path) is not a complete store archive") }
        let macKey = ExportArchive.macKey(exportKey)
        var chain: [UInt8] = []
        func check<T: Codable>(_ value: T, _ mac: String?, _ strip: (inout T) -> Void, line: Int) throws {
            var v = value
            strip(&v)
            guard let mac, mac == ExportArchive.mac(try ExportArchive.encode(v), macKey) else {
                throw StoreError(.integrity, "archive line \(line) fails its MAC: the archive was altered (or is under another key)")
            }
            chain += Array(mac.utf8)
        }
        let header = try ExportArchive.decode(ExportArchive.Header.self, lines[0], 1)
        guard header.format == ExportArchive.format else { throw StoreError(.unsupportedStore, "\(url.path) is not a \(ExportArchive.format) archive") }
        guard header.keyID == exportKey.id else {
            throw StoreError(.wrongKey, "the archive is under key \(header.keyID), not \(exportKey.id)")
        }
        try check(header, header.mac, { $0.mac = nil }, line: 1)
        guard let source = Data(base64Encoded: header.sourceStore), source.count == 16 else {
            throw StoreError(.integrity, "the archive's source store id is malformed")
        }
        var records: [ExportArchive.Record] = []
        for (i, line) in lines.dropFirst().dropLast().enumerated() {
            let r = try ExportArchive.decode(ExportArchive.Record.self, line, i + 2)
            try check(r, r.mac, { $0.mac = nil }, line: i + 2)
            records.append(r)
        }
        var trailer = try ExportArchive.decode(ExportArchive.Trailer.self, lines[lines.count - 1], lines.count)
        let trailerMAC = trailer.mac
        trailer.mac = nil
        guard trailer.count == records.count, trailerMAC == ExportArchive.mac(try ExportArchive.encode(trailer) + chain, macKey) else {
            throw StoreError(.integrity, "the archive's trailer does not match its records: it was truncated or altered")
        }
        let ring = KeyRing(exportKey)
        var report = TransferReport()
        var start = 0
        while start < records.count {
            let chunk = records[start ..< min(records.count, start + max(1, batchSize))]
            var drafts: [ReferenceDraft] = []
            for (offset, r) in chunk.enumerated() {
                let line = start + offset + 2
                guard let modality = Modality(rawValue: r.modality), ReferenceStatus(rawValue: r.status) != nil else {
                    throw StoreError(.integrity, "archive line \(line) has an unknown modality or status")
                }
                let sealed = try ExportArchive.sealed(r.template, keyID: exportKey.id, line: line)
                let sourceRow = ReferenceRow(id: r.id, subjectID: r.subjectID, modality: r.modality, fingerPosition: r.fingerPosition,
                                             modelID: r.modelID, modelVersion: r.modelVersion, quality: r.quality, createdAt: r.createdAt,
                                             validFrom: r.validFrom, validUntil: r.validUntil, status: r.status, template: sealed,
                                             partition: r.partition, version: r.version ?? 0)
                let aad = r.version == nil ? Self.legacyTemplateAAD(storeID: Array(source), sourceRow) : Self.templateAAD(storeID: Array(source), sourceRow)
                let template = try sealed.open(aad: aad, keys: ring, what: "archive line \(line)")
                var sample: [UInt8]?
                if let s = r.sample {
                    sample = try ExportArchive.sealed(s, keyID: exportKey.id, line: line)
                        .open(aad: Self.sampleAAD(storeID: Array(source), r.id, subjectID: r.subjectID), keys: ring, what: "archive line \(line)")
                }
                drafts.append(ReferenceDraft(referenceID: r.id, subjectID: r.subjectID, modality: modality, fingerPosition: Int(r.fingerPosition),
                                             modelID: r.modelID, modelVersion: r.modelVersion, quality: Int(r.quality),
                                             validity: ValidityPeriod(notBefore: r.validFrom, notAfter: r.validUntil),
                                             template: template, sample: sample, partition: r.partition))
            }
            let revoked = Set(chunk.filter { $0.status == ReferenceStatus.revoked.rawValue }.map(\.id))
            let outcomes = try enroll(drafts, revoked: revoked).map(\.outcome)
            for (o, r) in zip(outcomes, chunk) {
                if case .enrolled = o {
                    report.references += 1
                    if r.sample != nil { report.samples += 1 }
                } else {
                    report.alreadyPresent += 1
                }
            }
            start += chunk.count
        }
        return report
    }
}
