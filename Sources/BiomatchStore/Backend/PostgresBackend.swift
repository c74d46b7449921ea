import BiomatchSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// How a PostgreSQL connection is protected (the libpq `sslmode` values Biomatch takes).
public struct PostgresTLS: Sendable, Hashable {
    /// `disable`: plaintext (accepted by default on a loopback address only); `require`:
    /// encrypted, the server's certificate unchecked; `verify-full`: encrypted, the
    /// certificate checked against the trust roots and the server's name or address.
    public enum Mode: String, Sendable, Hashable {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    /// The protection.
    public var mode: Mode
    /// PEM file of the certificate authorities to trust (`sslrootcert`); nil: the system's.
    public var rootCertificates: String?
    /// PEM client certificate and its key (`sslcert`, `sslkey`; the key file mode 0600).
    public var clientCertificate: String?
    public var clientKey: String?
    /// The name the server's certificate must carry (`sslservername`); nil: the host, or
    /// for an IP address the address itself (an IP SAN).
    public var serverName: String?

    /// A protection.
    public init(mode: Mode, rootCertificates: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil, serverName: String? = nil) {
        self.mode = mode
        self.rootCertificates = rootCertificates
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.serverName = serverName
    }

    /// The NIO TLS context, nil for `disable`.
    ///
    /// - Throws: ``StoreError`` `keyUnavailable`/`keyFileInsecure` for the client key file,
    ///   `invalidArgument` for a certificate file that cannot be read.
    func context() throws -> NIOSSLContext? {
        guard mode != .disable else { return nil }
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        config.certificateVerification = mode == .verifyFull ? .fullVerification : .none
        do {
            if let rootCertificates { config.trustRoots = .file(rootCertificates) }
            if let clientCertificate {
                config.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
            }
            if let clientKey {
                var pem = try SecretFile.read(clientKey, what: "PostgreSQL client key file")
                defer { SecretFile.wipe(&pem) }
                config.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: pem, format: .pem))
            }
            return try NIOSSLContext(configuration: config)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.invalidArgument, "the PostgreSQL TLS settings cannot be used: \(error)")
        }
    }
}

/// How to reach a PostgreSQL store: one database holds one store.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    /// Server host (loopback, or a private network of the deployment).
    public var host: String
    /// Server port.
    public var port: Int
    /// Role to log in as.
    public var username: String
    /// Password, if the server asks for one (taken from the URL or `BIOMATCH_PG_PASSWORD`).
    public var password: String?
    /// Database holding the store.
    public var database: String
    /// Connections kept open (readers and one writer at a time).
    public var connections: Int
    /// How connections are protected.
    public var tls: PostgresTLS

    /// Creates a location; without `tls`, plaintext on a loopback address and `verify-full`
    /// anywhere else.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, connections: Int = 3,
                tls: PostgresTLS? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connections = connections
        self.tls = tls ?? PostgresTLS(mode: Self.isLoopback(host) ? .disable : .verifyFull)
    }

    /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=…&sslrootcert=…&sslcert=…&sslkey=…&sslservername=…]`
    /// (libpq's names; `sslmode` is `disable`, `require` or `verify-full`). Without `sslmode`,
    /// a loopback host is reached in plaintext and any other with `verify-full`: plaintext
    /// off the machine only when the URL asks for it.
    ///
    /// - Throws: ``StoreError`` `invalidArgument` for anything else.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty else {
            throw StoreError(.invalidArgument, "a PostgreSQL store is given as postgres://user@host[:port]/database[?sslmode=verify-full&sslrootcert=CA.pem]")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw StoreError(.invalidArgument, "the PostgreSQL URL names no database") }
        var parameters: [String: String] = [:]
        for item in url.queryItems ?? [] {
            guard ["sslmode", "sslrootcert", "sslcert", "sslkey", "sslservername"].contains(item.name), let value = item.value, !value.isEmpty else {
                throw StoreError(.invalidArgument, "the PostgreSQL URL parameter \(item.name) is not one Biomatch reads (sslmode, sslrootcert, sslcert, sslkey, sslservername)")
            }
            parameters[item.name] = value
        }
        var tls: PostgresTLS?
        if let mode = parameters["sslmode"] {
            guard let m = PostgresTLS.Mode(rawValue: mode) else {
                throw StoreError(.invalidArgument, "sslmode \(mode) is not one Biomatch takes (disable, require, verify-full)")
            }
            tls = PostgresTLS(mode: m)
        } else if !parameters.isEmpty {
            tls = PostgresTLS(mode: .verifyFull)
        }
        tls?.rootCertificates = parameters["sslrootcert"]
        tls?.clientCertificate = parameters["sslcert"]
        tls?.clientKey = parameters["sslkey"]
        tls?.serverName = parameters["sslservername"]
        self.init(host: host, port: url.port ?? 5432, username: user, password: url.password ?? environment["BIOMATCH_PG_PASSWORD"],
                  database: database, tls: tls)
    }

    /// Whether `host` is this machine's loopback (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The location without its password (and with its TLS settings).
    public var description: String {
        var query = ["sslmode=\(tls.mode.rawValue)"]
        if let r = tls.rootCertificates { query.append("sslrootcert=\(r)") }
        if let c = tls.clientCertificate { query.append("sslcert=\(c)") }
        if let k = tls.clientKey { query.append("sslkey=\(k)") }
        if let n = tls.serverName { query.append("sslservername=\(n)") }
        return "postgres://\(username)@\(host):\(port)/\(database)?" + query.joined(separator: "&")
    }
}

/// The multi-node backend: PostgreSQL through postgres-nio.
///
/// The store API is synchronous (like GRDB's), so each call borrows a connection from a
/// small pool and waits for its future: never on an event-loop thread, and never on a task
/// that forbids it (``BlockingWaits``): the engine calls the store from threads of its own. Writers take a
/// transaction-scoped advisory lock first, so the audit chain and paging order stay
/// serial across every node that shares the database; readers run in REPEATABLE READ
/// READ ONLY transactions and see one snapshot.
final class PostgresBackend: StoreBackend {
    let location: String
    private let pool: ConnectionPool
    private let readOnly: Bool
    /// The advisory lock every writer of a store takes (an arbitrary constant: "BIOM").
    static let writerLock: Int64 = 0x4249_4F4D

    init(_ server: PostgresLocation, readOnly: Bool) throws {
        location = server.description
        self.readOnly = readOnly
        pool = try ConnectionPool(server, size: max(2, server.connections))
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            return "\(e.code)"
        }
        return "\(error)"
    }

    func isInitialized() throws -> Bool {
        try read { session in
            guard let s = session as? Session else { return false }
            let rows = try s.query("SELECT to_regclass('store_meta') IS NOT NULL", [])
            return try rows.first.map { try $0.makeRandomAccess()[0].decode(Bool.self) } ?? false
        }
    }

    func initialize(_ body: (any StoreSession) throws -> Void) throws {
        try write { session in
            guard let s = session as? Session else { return }
            for statement in StoreSchema.statements(.postgres) { _ = try s.query(statement, []) }
            try body(s)
        }
    }

    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try guarded("reading") {
            try pool.with { connection in
                let s = Session(connection: connection)
                _ = try s.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
                do {
                    let result = try body(s)
                    _ = try s.query("COMMIT", [])
                    return result
                } catch {
                    _ = try? s.query("ROLLBACK", [])
                    throw error
                }
            }
        }
    }

    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        guard !readOnly else { throw StoreError(.backend, "the store \(location) is open read-only") }
        return try guarded("writing") {
            try pool.with { connection in
                let s = Session(connection: connection)
                _ = try s.query("BEGIN", [])
                do {
                    _ = try s.query("SELECT pg_advisory_xact_lock(\(Self.writerLock))", [])
                    let result = try body(s)
                    _ = try s.query("COMMIT", [])
                    return result
                } catch {
                    try? s.flush()
                    _ = try? s.query("ROLLBACK", [])
                    throw error
                }
            }
        }
    }

    func purgeDeleted() throws {
        guard !readOnly else { return }
        // Dead row versions (with their wrapped data keys) are reclaimed by VACUUM.
        try guarded("vacuuming") { try pool.with { _ = try Session(connection: $0).query("VACUUM template_reference, sample", []) } }
    }

    func close() { pool.close() }

    /// Runs one statement outside any transaction (CREATE/DROP DATABASE), for provisioning and tests.
    static func administer(_ location: PostgresLocation, _ sql: String) throws {
        let pool = try ConnectionPool(location, size: 1)
        defer { pool.close() }
        do { try pool.with { _ = try Session(connection: $0).query(sql, []) } } catch let e as StoreError { throw e } catch {
            throw StoreError(.backend, "\(sql) on \(location) failed: \(describe(error))")
        }
    }

    /// One transaction on one connection.
    ///
    /// Statements that return nothing are pipelined: sent at once and awaited together
    /// before the next query that reads, and before COMMIT, so a batch of enrollments
    /// costs one round trip per read instead of one per statement. An error in any of
    /// them surfaces at that point and rolls the transaction back.
    struct Session: StoreSession {
        let connection: PostgresConnection
        private let pending = PendingStatements()
        static let logger = Logger(label: "biomatch.store.postgres")

        init(connection: PostgresConnection) { self.connection = connection }

        static func bindings(_ values: [Value]) -> PostgresBindings {
            var binds = PostgresBindings(capacity: values.count)
            for v in values {
                switch v {
                case .text(let s): binds.append(s)
                case .int(let i): binds.append(i)
                case .bytes(let b): binds.append(ByteBuffer(bytes: b))
                case .texts(let list): binds.append(list)
                case .ints(let list): binds.append(list)
                case .blobs(let list): binds.append(list.map { ByteBuffer(bytes: $0) })
                case .null: binds.appendNull()
                }
            }
            return binds
        }

        /// Runs `sql` with `$1…` parameters and collects the rows (after every pipelined statement).
        func query(_ sql: String, _ values: [Value]) throws -> [PostgresRow] {
            try flush()
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(values)), logger: Self.logger).wait().rows
        }

        /// Sends a statement whose result is not needed now.
        func execute(_ sql: String, _ values: [Value]) {
            pending.add(connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(values)), logger: Self.logger).map { _ in })
        }

        /// Waits for every pipelined statement; throws the first failure.
        func flush() throws {
            var first: (any Error)?
            for f in pending.drain() {
                do { try f.wait() } catch { if first == nil { first = error } }
            }
            if let first { throw first }
        }

        enum Value {
            case text(String)
            case int(Int64)
            case bytes([UInt8])
            case texts([String])
            case ints([Int64])
            case blobs([[UInt8]])
            case null

            /// NULL travels inside an int8[] as this value, mapped back by NULLIF (no real time or
            /// count takes it).
            static let nullInt = Int64.min

            static func optional(_ v: Int64?) -> Value { v.map(Value.int) ?? .null }
        }

        func meta(_ key: String) throws -> [UInt8]? {
            try query("SELECT value FROM store_meta WHERE key = $1", [.text(key)]).first.map { try Columns($0).bytes(0, "store_meta.value") }
        }

        func setMeta(_ key: String, _ value: [UInt8]) throws {
            execute("INSERT INTO store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          [.text(key), .bytes(value)])
        }

        func keyRows() throws -> [KeyRow] {
            try query("SELECT \(StoreSchema.keyColumns) FROM kek ORDER BY created_at, id", []).map { try KeyRow(Columns($0)) }
        }

        func putKeyRow(_ row: KeyRow) throws {
            execute("""
                INSERT INTO kek (id, status, created_at, wrapped_integrity_key, version, mac) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, wrapped_integrity_key = excluded.wrapped_integrity_key,
                  version = excluded.version, mac = excluded.mac
                """, [.text(row.id), .text(row.status), .int(row.createdAt), .bytes(row.wrappedIntegrityKey), .int(row.version), .bytes(row.mac)])
        }

        func subject(_ id: String) throws -> SubjectRow? {
            try query("SELECT \(StoreSchema.subjectColumns) FROM subject WHERE id = $1", [.text(id)]).first.map { try SubjectRow(Columns($0)) }
        }

        func putSubject(_ row: SubjectRow) throws {
            execute("""
                INSERT INTO subject (id, status, created_at, mac, version, manifest) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at, mac = excluded.mac,
                  version = excluded.version, manifest = excluded.manifest
                """, [.text(row.id), .text(row.status), .int(row.createdAt), .bytes(row.mac), .int(row.version), .bytes(row.manifest)])
        }

        func deleteSubject(_ id: String) throws {
            execute("DELETE FROM subject WHERE id = $1", [.text(id)])
        }

        static func referenceRow(_ row: PostgresRow) throws -> ReferenceRow { try ReferenceRow(Columns(row)) }

        static func values(_ row: ReferenceRow) -> [Value] {
            [.text(row.id), .text(row.subjectID), .text(row.modality), .int(row.fingerPosition), .text(row.modelID), .text(row.modelVersion),
             .int(row.quality), .int(row.createdAt), .optional(row.validFrom), .optional(row.validUntil), .text(row.status),
             .text(row.template.keyID), .bytes(row.template.wrappedKey), .bytes(row.template.nonce), .bytes(row.template.ciphertext),
             .bytes(row.template.tag), row.partition.map(Value.text) ?? .null, .int(row.version)]
        }

        func reference(_ id: String) throws -> ReferenceRow? {
            try query("SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE id = $1", [.text(id)]).first.map(Self.referenceRow)
        }

        func existingReferenceIDs(_ ids: [String]) throws -> Set<String> {
            Set(try query("SELECT id FROM template_reference WHERE id = ANY($1)", [.texts(ids)]).map { try Columns($0).string(0, "template_reference.id") })
        }

        func subjects(_ ids: [String]) throws -> [String: SubjectRow] {
            var out: [String: SubjectRow] = [:]
            for r in try query("SELECT \(StoreSchema.subjectColumns) FROM subject WHERE id = ANY($1)", [.texts(ids)]) {
                let row = try SubjectRow(Columns(r))
                out[row.id] = row
            }
            return out
        }

        func references(subjectID: String) throws -> [ReferenceRow] {
            try query("SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE subject_id = $1 ORDER BY seq", [.text(subjectID)])
                .map(Self.referenceRow)
        }

        func insertBatch(subjects: [SubjectRow], references: [ReferenceRow], samples: [SampleRow]) throws {
            // One statement per table: unnest parallel arrays, in order (WITH ORDINALITY),
            // so sequence numbers follow the batch order.
            if !subjects.isEmpty {
                execute("""
                    INSERT INTO subject (id, status, created_at, mac, version, manifest)
                    SELECT a, b, c, d, e, f FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::int8[], $6::bytea[])
                      WITH ORDINALITY AS t(a, b, c, d, e, f, n) ORDER BY n
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at, mac = excluded.mac,
                      version = excluded.version, manifest = excluded.manifest
                    """, [.texts(subjects.map(\.id)), .texts(subjects.map(\.status)), .ints(subjects.map(\.createdAt)), .blobs(subjects.map(\.mac)),
                          .ints(subjects.map(\.version)), .blobs(subjects.map(\.manifest))])
            }
            if !references.isEmpty {
                let r = references
                execute("""
                    INSERT INTO template_reference (id, subject_id, modality, finger_position, model_id, model_version, quality,
                      created_at, valid_from, valid_until, status, key_id, wrapped_key, nonce, ciphertext, tag, partition_id, version)
                    SELECT a, b, c, d, e, f, g, h, NULLIF(i, \(Value.nullInt)), NULLIF(j, \(Value.nullInt)), k, l, m, o, p, q, NULLIF(s, ''), v
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::int8[], $8::int8[],
                                $9::int8[], $10::int8[], $11::text[], $12::text[], $13::bytea[], $14::bytea[], $15::bytea[], $16::bytea[],
                                $17::text[], $18::int8[])
                      WITH ORDINALITY AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, o, p, q, s, v, n) ORDER BY n
                    """, [.texts(r.map(\.id)), .texts(r.map(\.subjectID)), .texts(r.map(\.modality)), .ints(r.map(\.fingerPosition)),
                          .texts(r.map(\.modelID)), .texts(r.map(\.modelVersion)), .ints(r.map(\.quality)), .ints(r.map(\.createdAt)),
                          .ints(r.map { $0.validFrom ?? Value.nullInt }), .ints(r.map { $0.validUntil ?? Value.nullInt }),
                          .texts(r.map(\.status)), .texts(r.map(\.template.keyID)), .blobs(r.map(\.template.wrappedKey)),
                          .blobs(r.map(\.template.nonce)), .blobs(r.map(\.template.ciphertext)), .blobs(r.map(\.template.tag)),
                          .texts(r.map { $0.partition ?? "" }), .ints(r.map(\.version))])  // "" is no partition (ids are never empty)
            }
            for s in samples { try putSample(s) }
        }

        func replaceReference(id: String, with row: ReferenceRow) throws {
            execute("""
                UPDATE template_reference SET id = $1, subject_id = $2, modality = $3, finger_position = $4, model_id = $5,
                  model_version = $6, quality = $7, created_at = $8, valid_from = $9, valid_until = $10, status = $11, key_id = $12,
                  wrapped_key = $13, nonce = $14, ciphertext = $15, tag = $16, partition_id = $17, version = $18 WHERE id = $19
                """, Self.values(row) + [.text(id)])
        }

        func deleteReference(_ id: String) throws {
            execute("DELETE FROM template_reference WHERE id = $1", [.text(id)])
        }

        func referencePage(modality: String?, modelID: String?, afterSeq: Int64, limit: Int) throws -> [ReferenceRow] {
            var sql = "SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE seq > $1"
            var values: [Value] = [.int(afterSeq)]
            if let modality { values.append(.text(modality)); sql += " AND modality = $\(values.count)" }
            if let modelID { values.append(.text(modelID)); sql += " AND model_id = $\(values.count)" }
            values.append(.int(Int64(limit)))
            sql += " ORDER BY seq LIMIT $\(values.count)"
            return try query(sql, values).map(Self.referenceRow)
        }

        func referenceWindow(modality: String?, modelID: String?, afterSeq: Int64, throughSeq: Int64) throws -> [ReferenceRow] {
            var sql = "SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE seq > $1 AND seq <= $2"
            var values: [Value] = [.int(afterSeq), .int(throughSeq)]
            if let modality { values.append(.text(modality)); sql += " AND modality = $\(values.count)" }
            if let modelID { values.append(.text(modelID)); sql += " AND model_id = $\(values.count)" }
            return try query(sql, values).map(Self.referenceRow)
        }

        func maxReferenceSeq() throws -> Int64 {
            try query("SELECT COALESCE(MAX(seq), 0) FROM template_reference", []).first.map { try Columns($0).int(0, "seq") } ?? 0
        }

        func rewrapReferences(_ updates: [(id: String, keyID: String, wrappedKey: [UInt8])]) throws {
            guard !updates.isEmpty else { return }
            execute("""
                UPDATE template_reference AS t SET key_id = u.k, wrapped_key = u.w
                FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(i, k, w) WHERE t.id = u.i
                """, [.texts(updates.map(\.id)), .texts(updates.map(\.keyID)), .blobs(updates.map(\.wrappedKey))])
        }

        func countWrapped(under keyID: String) throws -> Int {
            let n = try query("SELECT (SELECT COUNT(*) FROM template_reference WHERE key_id = $1) + (SELECT COUNT(*) FROM sample WHERE key_id = $1)",
                              [.text(keyID)]).first.map { try Columns($0).int(0, "count") } ?? 0
            return Int(n)
        }

        func references(wrappedUnder keyID: String, limit: Int) throws -> [ReferenceRow] {
            try query("SELECT \(StoreSchema.referenceColumns) FROM template_reference WHERE key_id = $1 LIMIT $2", [.text(keyID), .int(Int64(limit))])
                .map(Self.referenceRow)
        }

        static func sampleRow(_ r: PostgresRow) throws -> SampleRow { try SampleRow(Columns(r)) }

        func sample(_ referenceID: String) throws -> SampleRow? {
            try query("SELECT \(StoreSchema.sampleColumns) FROM sample WHERE reference_id = $1", [.text(referenceID)]).first.map(Self.sampleRow)
        }

        func putSample(_ row: SampleRow) throws {
            execute("""
                INSERT INTO sample (reference_id, key_id, wrapped_key, nonce, ciphertext, tag) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (reference_id) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
                  nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag
                """, [.text(row.referenceID), .text(row.payload.keyID), .bytes(row.payload.wrappedKey), .bytes(row.payload.nonce),
                      .bytes(row.payload.ciphertext), .bytes(row.payload.tag)])
        }

        func deleteSample(_ referenceID: String) throws {
            execute("DELETE FROM sample WHERE reference_id = $1", [.text(referenceID)])
        }

        func samples(wrappedUnder keyID: String, limit: Int) throws -> [SampleRow] {
            try query("SELECT \(StoreSchema.sampleColumns) FROM sample WHERE key_id = $1 LIMIT $2", [.text(keyID), .int(Int64(limit))])
                .map(Self.sampleRow)
        }

        func counts() throws -> StoreCounts {
            var c = StoreCounts()
            func count(_ sql: String) throws -> Int { Int(try query(sql, []).first.map { try Columns($0).int(0, "count") } ?? 0) }
            c.subjects = try count("SELECT COUNT(*) FROM subject")
            c.subjectsRevoked = try count("SELECT COUNT(*) FROM subject WHERE status = 'revoked'")
            c.references = try count("SELECT COUNT(*) FROM template_reference")
            c.referencesRevoked = try count("SELECT COUNT(*) FROM template_reference WHERE status = 'revoked'")
            c.samples = try count("SELECT COUNT(*) FROM sample")
            c.auditEntries = try count("SELECT COUNT(*) FROM audit_journal")
            for r in try query("SELECT modality, COUNT(*) FROM template_reference GROUP BY modality", []) {
                c.referencesByModality[try Columns(r).string(0, "modality")] = Int(try Columns(r).int(1, "count"))
            }
            for r in try query("SELECT key_id, COUNT(*) FROM template_reference GROUP BY key_id", []) {
                c.referencesByKey[try Columns(r).string(0, "key_id")] = Int(try Columns(r).int(1, "count"))
            }
            for r in try query("SELECT key_id, COUNT(*) FROM sample GROUP BY key_id", []) {
                c.samplesByKey[try Columns(r).string(0, "key_id")] = Int(try Columns(r).int(1, "count"))
            }
            return c
        }

        static func auditRow(_ r: PostgresRow) throws -> AuditRow { try AuditRow(Columns(r)) }

        func lastAudit() throws -> AuditRow? {
            try query("SELECT \(StoreSchema.auditColumns) FROM audit_journal ORDER BY seq DESC LIMIT 1", []).first.map(Self.auditRow)
        }

        func appendAudits(_ rows: [AuditRow]) throws {
            guard !rows.isEmpty else { return }
            execute("""
                INSERT INTO audit_journal (\(StoreSchema.auditColumns))
                SELECT a, b, c, d, NULLIF(e, ''), NULLIF(f, ''), g, h, i, NULLIF(j, '')
                FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::text[])
                  WITH ORDINALITY AS t(a, b, c, d, e, f, g, h, i, j, n) ORDER BY n
                """, [.ints(rows.map(\.seq)), .ints(rows.map(\.time)), .texts(rows.map(\.actor)), .texts(rows.map(\.action)),
                      .texts(rows.map { $0.subjectID ?? "" }), .texts(rows.map { $0.referenceID ?? "" }), .texts(rows.map(\.outcome)),
                      .texts(rows.map(\.detail)), .blobs(rows.map(\.mac)), .texts(rows.map { $0.transactionID ?? "" })])
        }

        func audit(seq: Int64) throws -> AuditRow? {
            try query("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE seq = $1", [.int(seq)]).first.map(Self.auditRow)
        }

        func lastAudit(subjectID: String, actions: [String]) throws -> AuditRow? {
            try query("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE subject_id = $1 AND action = ANY($2) ORDER BY seq DESC LIMIT 1",
                      [.text(subjectID), .texts(actions)]).first.map(Self.auditRow)
        }

        func lastAudit(referenceID: String, actions: [String]) throws -> AuditRow? {
            try query("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE reference_id = $1 AND action = ANY($2) ORDER BY seq DESC LIMIT 1",
                      [.text(referenceID), .texts(actions)]).first.map(Self.auditRow)
        }

        func hasAudit(transactionID id: String) throws -> Bool {
            try !query("SELECT 1 FROM audit_journal WHERE transaction_id = $1 LIMIT 1", [.text(id)]).isEmpty
        }

        func subjectPage(afterID: String, limit: Int) throws -> [SubjectRow] {
            try query("SELECT \(StoreSchema.subjectColumns) FROM subject WHERE id > $1 ORDER BY id LIMIT $2", [.text(afterID), .int(Int64(limit))])
                .map { try SubjectRow(Columns($0)) }
        }

        func auditPage(afterSeq: Int64, limit: Int) throws -> [AuditRow] {
            try query("SELECT \(StoreSchema.auditColumns) FROM audit_journal WHERE seq > $1 ORDER BY seq LIMIT $2", [.int(afterSeq), .int(Int64(limit))])
                .map(Self.auditRow)
        }

        func appendChanges(_ changes: [(subjectID: String, referenceID: String?)], time: Int64) throws {
            guard !changes.isEmpty else { return }
            execute("""
                INSERT INTO reference_change (subject_id, reference_id, time)
                SELECT a, NULLIF(b, ''), $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(a, b, n) ORDER BY n
                """, [.texts(changes.map(\.subjectID)), .texts(changes.map { $0.referenceID ?? "" }), .int(time)])
        }

        func changes(afterSeq: Int64, limit: Int) throws -> [ReferenceChange] {
            try query("SELECT seq, subject_id, reference_id FROM reference_change WHERE seq > $1 ORDER BY seq LIMIT $2",
                      [.int(afterSeq), .int(Int64(limit))]).map {
                let c = Columns($0)
                return ReferenceChange(seq: try c.int(0, "reference_change.seq"), subjectID: try c.string(1, "reference_change.subject_id"),
                                       referenceID: try c.optionalString(2, "reference_change.reference_id"))
            }
        }

        func maxChangeSeq() throws -> Int64 {
            try query("SELECT COALESCE(MAX(seq), 0) FROM reference_change", []).first.map { try Columns($0).int(0, "reference_change.seq") } ?? 0
        }


        func rememberTransaction(_ id: String, expiresAt: Int64, now: Int64) throws -> Bool {
            // Through the owner's function: an application role may not delete replay rows itself.
            _ = try query("SELECT biomatch_forget_expired($1)", [.int(now)])
            return try !query("INSERT INTO seen_transaction (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id",
                              [.text(id), .int(expiresAt)]).isEmpty
        }

        func isTransactionRemembered(_ id: String, now: Int64) throws -> Bool {
            try !query("SELECT 1 FROM seen_transaction WHERE id = $1 AND expires_at >= $2", [.text(id), .int(now)]).isEmpty
        }

        func executeForTesting(_ sql: String) throws { _ = try query(sql, []) }

        func disableAuditGuardsForTesting() throws {
            _ = try query("ALTER TABLE audit_journal DISABLE TRIGGER audit_journal_append_only", [])
        }
    }

    /// The columns of one fetched row (random access built once per row).
    struct Columns: StoredColumns {
        let row: PostgresRandomAccessRow

        init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

        func string(_ index: Int, _ name: String) throws -> String {
            guard let s = try? row[index].decode(String.self) else { throw mismatch(name, expected: "text") }
            return s
        }

        func optionalString(_ index: Int, _ name: String) throws -> String? {
            row[index].bytes == nil ? nil : try string(index, name)
        }

        func int(_ index: Int, _ name: String) throws -> Int64 {
            guard let v = try? row[index].decode(Int64.self) else { throw mismatch(name, expected: "bigint") }
            return v
        }

        func optionalInt(_ index: Int, _ name: String) throws -> Int64? {
            row[index].bytes == nil ? nil : try int(index, name)
        }

        func bytes(_ index: Int, _ name: String) throws -> [UInt8] {
            guard let b = try? row[index].decode(ByteBuffer.self) else { throw mismatch(name, expected: "bytea") }
            return Array(b.readableBytesView)
        }
    }
}

/// Futures of pipelined statements of one transaction.
final class PendingStatements: @unchecked Sendable {
    private var futures: [EventLoopFuture<Void>] = []
    private let lock = NSLock()

    func add(_ f: EventLoopFuture<Void>) {
        lock.lock()
        futures.append(f)
        lock.unlock()
    }

    func drain() -> [EventLoopFuture<Void>] {
        lock.lock()
        defer { lock.unlock() }
        let out = futures
        futures = []
        return out
    }
}

/// A fixed set of connections handed out one caller at a time.
final class ConnectionPool: @unchecked Sendable {
    private let group: MultiThreadedEventLoopGroup
    private var idle: [PostgresConnection]
    private var all: [PostgresConnection]
    private let condition = NSCondition()
    private var closed = false

    init(_ location: PostgresLocation, size: Int) throws {
        try Self.checkMayBlock()
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let tls: PostgresConnection.Configuration.TLS = try location.tls.context().map { .require($0) } ?? .disable
        var config = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.username,
                                                      password: location.password, database: location.database, tls: tls)
        config.options.connectTimeout = .seconds(10)
        config.options.tlsServerName = location.tls.serverName
        var opened: [PostgresConnection] = []
        do {
            for i in 0..<size {
                opened.append(try PostgresConnection.connect(on: group.next(), configuration: config, id: i,
                                                             logger: Logger(label: "biomatch.store.postgres")).wait())
            }
        } catch {
            for c in opened { try? c.close().wait() }
            try? group.syncShutdownGracefully()
            throw StoreError(.backend, "cannot connect to \(location): \(PostgresBackend.describe(error))")
        }
        idle = opened
        all = opened
    }

    /// Refuses a blocking call from a task that forbids blocking waits (``BlockingWaits``).
    static func checkMayBlock() throws {
        guard !BlockingWaits.areForbidden else {
            throw StoreError(.backend, "a PostgreSQL call would block an async task; it must run on a thread of its own (a bug in the caller: please report it)")
        }
    }

    func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try Self.checkMayBlock()
        condition.lock()
        while idle.isEmpty && !closed { condition.wait() }
        guard !closed, let connection = idle.popLast() else {
            condition.unlock()
            throw StoreError(.backend, "the store connection is closed")
        }
        condition.unlock()
        defer {
            condition.lock()
            idle.append(connection)
            condition.signal()
            condition.unlock()
        }
        return try body(connection)
    }

    /// A pool dropped without ``close()`` (a store released without closing it) closes its
    /// connections itself.
    deinit { close() }

    func close() {
        condition.lock()
        guard !closed else { condition.unlock(); return }
        closed = true
        let connections = all
        condition.broadcast()
        condition.unlock()
        // Closed without waiting, so closing never blocks whoever calls it; the connections
        // live until their close completes, the event loop until they all have.
        let group = self.group
        let closes = connections.map { c in c.close().always { _ in withExtendedLifetime(c) {} } }
        EventLoopFuture.whenAllComplete(closes, on: group.next()).whenComplete { _ in group.shutdownGracefully { _ in } }
    }
}
