import ArgumentParser
import BiomatchStore
import Foundation

/// `biomatch store …`: administration of an encrypted template store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Create and administer an encrypted template store (SQLite file or PostgreSQL database).",
        discussion: """
            Keys: a key-encryption key comes from --key-file (0600; 32 raw bytes, 64 hex digits or base64), \
            --key-env NAME (hex or base64 in that variable), or --passphrase-env NAME (a passphrase in that variable, \
            stretched with scrypt). Give a key option twice during a key rotation (old and new).
            """,
        subcommands: [Init.self, Stats.self, Verify.self, RotateKey.self, Revoke.self, Delete.self, Export.self, Import.self,
                      Audit.self, Fill.self, Load.self, SpotCheck.self])
}

/// The options every store command shares.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store: an SQLite file, or postgres://user@host[:port]/database (password from BIOMATCH_PG_PASSWORD).") var store: String
    @Option(help: "Key file (mode 0600 or 0400). Repeatable.") var keyFile: [String] = []
    @Option(help: "Environment variable holding the key. Repeatable.") var keyEnv: [String] = []
    @Option(help: "Environment variable holding a passphrase.") var passphraseEnv: String?
    @Option(help: "Who acts, for the audit journal.") var actor = ProcessInfo.processInfo.environment["USER"].map { "cli:\($0)" } ?? "cli"
    @Flag(help: "Print JSON.") var json = false

    func location() throws -> StoreLocation {
        guard store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") else { return .sqlite(path: store) }
        return .postgres(try reportingStoreErrors { try PostgresLocation(url: store) })
    }

    func keySources() throws -> [KeySource] {
        var sources = keyFile.map(KeySource.file) + keyEnv.map(KeySource.environment)
        if let passphraseEnv {
            guard let value = ProcessInfo.processInfo.environment[passphraseEnv], !value.isEmpty else {
                printError("environment variable \(passphraseEnv) (the passphrase) is not set")
                throw ExitCode(2)
            }
            sources.append(.passphrase(value))
        }
        guard !sources.isEmpty else {
            printError("no key given: use --key-file, --key-env or --passphrase-env")
            throw ExitCode(2)
        }
        return sources
    }

    func open(readOnly: Bool = false) throws -> TemplateStore {
        let sources = try keySources()
        return try reportingStoreErrors { try TemplateStore.open(at: location(), keys: sources, actor: actor, readOnly: readOnly) }
    }
}

/// Runs `body`, reporting a ``StoreError`` as one line; integrity failures exit 4, others 2.
func reportingStoreErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        printError("\(error.code): \(error.message)")
        throw ExitCode(ErrorReport.status(of: error) ?? 2)
    }
}

/// A coding key in snake_case that keeps acronyms whole: `referenceIDs` → `reference_ids`,
/// `newKeyID` → `new_key_id` (Foundation's own strategy gives `reference_i_ds`).
struct SnakeCaseKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ camel: String) {
        var out = ""
        let chars = Array(camel)
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let previousLower = i > 0 && (chars[i - 1].isLowercase || chars[i - 1].isNumber)
                let nextLower = i + 1 < chars.count && chars[i + 1].isLowercase && i > 0 && chars[i - 1].isUppercase
                // A new word starts after a lowercase letter, or at the last capital of an
                // acronym followed by lowercase ("IDsFor" → "ids_for"), except a plural "s".
                if previousLower || (nextLower && !(chars[i + 1] == "s" && (i + 2 == chars.count || chars[i + 2].isUppercase))) {
                    out.append("_")
                }
                out.append(Character(c.lowercased()))
            } else {
                out.append(c)
            }
        }
        stringValue = out
    }

    /// A key used as given.
    init(verbatim: String) { stringValue = verbatim }

    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// JSON with snake_case keys, one object per line (for pipes) or pretty.
func printStoreJSON(_ value: some Encodable, lines: Bool = false) throws {
    let encoder = snakeCaseEncoder(pretty: !lines)
    // Written straight to the descriptor (no stdio buffer), so a line a script has read
    // is a line whose transaction had committed, even if the process is killed next.
    FileHandle.standardOutput.write(try encoder.encode(value) + Data([0x0A]))
}

extension StoreCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a new, empty store.")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Write a fresh random key to the --key-file path first (mode 0600; refuses to overwrite).") var generateKey = false
        @Option(help: "PostgreSQL: create (if needed) the role the application logs in as, allowed to read and append the audit journal and the replay table but never to update or delete them.") var appRole: String?

        func run() throws {
            if generateKey {
                guard options.keyFile.count == 1, let path = options.keyFile.first else {
                    printError("--generate-key needs exactly one --key-file path to write")
                    throw ExitCode(2)
                }
                guard !FileManager.default.fileExists(atPath: path) else {
                    printError("key file \(path) exists; refusing to overwrite a key")
                    throw ExitCode(2)
                }
                let key = KeyEncryptionKey.generate()
                guard FileManager.default.createFile(atPath: path, contents: Data((key.hexEncoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                    printError("cannot write key file \(path)")
                    throw ExitCode(2)
                }
            }
            guard let source = try options.keySources().first else { throw ExitCode(2) }
            let store = try reportingStoreErrors { try TemplateStore.create(at: options.location(), key: source, actor: options.actor) }
            defer { store.close() }
            if let appRole { try reportingStoreErrors { try store.provisionApplicationRole(appRole) } }
            struct Created: Encodable { let store: String; let keyID: String }
            let created = Created(store: store.location, keyID: store.keyIDs[0])
            if options.json { try printStoreJSON(created) } else { print("created store \(created.store) (key \(created.keyID))") }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts, keys and rotation state.")
        @OptionGroup var options: StoreOptions

        func run() throws {
            let store = try options.open(readOnly: true)
            defer { store.close() }
            let s = try reportingStoreErrors { try store.statistics() }
            if options.json { try printStoreJSON(s); return }
            print("store \(s.location)")
            print("subjects \(s.subjects) (\(s.subjectsRevoked) revoked), references \(s.references) (\(s.referencesRevoked) revoked), samples \(s.samples)")
            for (m, n) in s.referencesByModality.sorted(by: { $0.key < $1.key }) { print("  \(m): \(n)") }
            for (k, status) in s.keys.sorted(by: { $0.key < $1.key }) { print("key \(k): \(status), \(s.recordsByKey[k] ?? 0) records") }
            if let t = s.rotationTarget { print("rotation to \(t) unfinished: rerun `biomatch store rotate-key`") }
            print("audit entries \(s.auditEntries)")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authenticate and open every stored record; exit 4 if any fails.")
        @OptionGroup var options: StoreOptions
        @Flag(name: .customLong("list-ids"), help: "Also list every reference id (JSON only).") var listIDs = false

        func run() throws {
            let store = try options.open(readOnly: true)
            defer { store.close() }
            let (checked, failures) = try reportingStoreErrors { try store.verifyRecords() }
            struct Verified: Encodable { let checked: Int; let failures: [String]; let referenceIDs: [String]? }
            let ids = listIDs ? try reportingStoreErrors { try store.referenceIDs() } : nil
            if options.json { try printStoreJSON(Verified(checked: checked, failures: failures, referenceIDs: ids)) } else {
                print("checked \(checked) records; \(failures.count) failed authentication\(failures.isEmpty ? "" : ": " + failures.joined(separator: ", "))")
            }
            if !failures.isEmpty { throw ExitCode(4) }
        }
    }

    struct RotateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Re-wrap every data key under a new key-encryption key, online and resumable; then retire the old key.",
            discussion: """
                A routine rotation re-wraps data keys and leaves ciphertexts alone. After a key \
                compromise use --reencrypt: every template and sample is sealed again under a fresh \
                data key, and the store gets a fresh integrity key (rows re-MACed, the journal going \
                on under a new key), so the old key with a backup taken before the rotation neither \
                reads nor forges what the store serves afterwards. An interrupted re-encrypting \
                rotation stays one when resumed.
                """)
        @OptionGroup var options: StoreOptions
        @Option(help: "The new key's file (mode 0600).") var newKeyFile: String
        @Option(help: "Records per transaction.") var batchSize = 1000
        @Flag(help: "Re-encrypt every record and replace the integrity key (after a key compromise).") var reencrypt = false

        func run() throws {
            let store = try options.open()
            defer { store.close() }
            let newKey = try reportingStoreErrors { try KeyEncryptionKey.fromFile(newKeyFile) }
            let json = options.json
            let done = try reportingStoreErrors {
                try store.rotateKey(to: newKey, batchSize: batchSize, reencrypt: reencrypt) { p in
                    let verb = p.reencrypted ? "re-encrypted" : "re-wrapped"
                    if json { try printStoreJSON(p, lines: true) } else if !p.completed { print("\(verb) \(p.rewrapped), \(p.remaining) to go") }
                }
            }
            if !json {
                print(done.reencrypted
                      ? "rotation to \(done.newKeyID) complete: \(done.rewrapped) records re-encrypted in this run; integrity key replaced; old keys retired"
                      : "rotation to \(done.newKeyID) complete: \(done.rewrapped) records re-wrapped in this run; old keys retired")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a subject (and all its references) or one reference.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Subject id.") var subject: String?
        @Option(help: "Reference id.") var reference: String?
        @Option(help: "Reason, for the audit journal.") var reason = ""

        func run() throws {
            let store = try options.open()
            defer { store.close() }
            try reportingStoreErrors {
                switch (subject, reference) {
                case (let s?, nil): try store.revoke(subjectID: s, reason: reason)
                case (nil, let r?): try store.revoke(referenceID: r, reason: reason)
                default: throw StoreError(.invalidArgument, "give exactly one of --subject and --reference")
                }
            }
            struct Done: Encodable { let revoked: String }
            let done = Done(revoked: subject ?? reference ?? "")
            if options.json { try printStoreJSON(done) } else { print("revoked \(done.revoked)") }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a subject or one reference; its data keys are destroyed.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Subject id.") var subject: String?
        @Option(help: "Reference id.") var reference: String?

        func run() throws {
            let store = try options.open()
            defer { store.close() }
            try reportingStoreErrors {
                switch (subject, reference) {
                case (let s?, nil): try store.delete(subjectID: s)
                case (nil, let r?): try store.delete(referenceID: r)
                default: throw StoreError(.invalidArgument, "give exactly one of --subject and --reference")
                }
            }
            struct Done: Encodable { let deleted: String }
            let done = Done(deleted: subject ?? reference ?? "")
            if options.json { try printStoreJSON(done) } else { print("deleted \(done.deleted)") }
        }
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The audit journal.", subcommands: [Verify.self, Anchor.self, List.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print journal entries (no biometric data is ever in them), oldest first.")
            @OptionGroup var options: StoreOptions
            @Option(help: "Only entries after this sequence number.") var after: Int64 = 0
            @Option(help: "At most this many entries.") var limit = 100
            @Option(help: "Only this action (enroll, revoke, verify, key-rotation, …).") var action: String?

            func run() throws {
                let store = try options.open(readOnly: true)
                defer { store.close() }
                guard limit > 0 else {
                    printError("--limit must be positive")
                    throw ExitCode(2)
                }
                var cursor = after, shown = 0
                while shown < limit {
                    let page = try reportingStoreErrors { try store.auditEntries(after: cursor, limit: 1000) }
                    guard let last = page.last else { break }
                    cursor = last.sequence
                    for entry in page where action.map({ $0 == entry.action }) ?? true {
                        guard shown < limit else { break }
                        shown += 1
                        if options.json { try printStoreJSON(entry, lines: true) } else {
                            let time = Date(timeIntervalSince1970: Double(entry.time) / 1000).ISO8601Format()
                            let about = [entry.subjectID, entry.referenceID].compactMap { $0 }.joined(separator: " ")
                            print("\(entry.sequence) \(time) \(entry.actor) \(entry.action) \(about) \(entry.outcome) \(entry.detail)")
                        }
                    }
                }
            }
        }

        struct Verify: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check the journal's HMAC chain; exit 4 when it fails.",
                discussion: "With --anchor (a head signed by `store audit anchor` and kept outside the database) and the signer's public key, also check that the journal still extends that head: a journal rolled back with its head fails.")
            @OptionGroup var options: StoreOptions
            @Option(help: "An anchor file (`store audit anchor`).") var anchor: String?
            @Option(help: "The anchor signer's ECDSA P-256 public key (PEM); the key to trust comes from you, never from the anchor.") var anchorKey: String?

            func run() throws {
                let store = try options.open(readOnly: true)
                defer { store.close() }
                let v: AuditVerification
                if let anchor {
                    guard let anchorKey else {
                        printError("--anchor needs --anchor-key: the signer's public key you trust")
                        throw ExitCode(2)
                    }
                    let decoded: AuditAnchor
                    do { decoded = try JSONDecoder().decode(AuditAnchor.self, from: Data(try readBytes(anchor, "anchor file"))) } catch let e as ExitCode { throw e } catch {
                        printError("\(anchor) is not an audit anchor: \(error)")
                        throw ExitCode(2)
                    }
                    let key = try FramingKeyOptions.publicKey(anchorKey)
                    v = try reportingStoreErrors { try store.verifyAudit(anchor: decoded, publicKey: key) }
                } else {
                    v = try reportingStoreErrors { try store.verifyAudit() }
                }
                if options.json { try printStoreJSON(v) } else if v.valid {
                    print("audit journal valid: \(v.entries) entries; head \(v.headSequence) \(v.headMAC)")
                } else {
                    print("audit journal INVALID at entry \(v.firstInvalidSequence ?? 0): \(v.problem ?? "")")
                }
                if !v.valid { throw ExitCode(4) }
            }
        }

        struct Anchor: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Sign the journal's current head (ECDSA P-256) for keeping outside the database.",
                discussion: "Checks the whole journal first. Keep the file where whoever can write the database cannot (another system, write-once media); `store audit verify --anchor FILE --anchor-key PUB` then proves the journal still extends it.")
            @OptionGroup var options: StoreOptions
            @Option(help: "The signing key (ECDSA P-256 private key, PEM, mode 0600: `object keygen --kind signing`).") var signKey: String
            @Option(help: "The anchor file to write (mode 0600; never overwritten).") var out: String

            func run() throws {
                let store = try options.open(readOnly: true)
                defer { store.close() }
                let key = try FramingKeyOptions.privateKey(signKey)
                let anchor = try reportingStoreErrors { try store.anchorAudit(signingKey: key) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                guard !FileManager.default.fileExists(atPath: out),
                      FileManager.default.createFile(atPath: out, contents: try encoder.encode(anchor), attributes: [.posixPermissions: 0o600]) else {
                    printError("cannot write \(out) (it exists, or the folder is not writable)")
                    throw ExitCode(2)
                }
                if options.json { try printStoreJSON(anchor) } else { print("anchored entry \(anchor.sequence) \(anchor.mac) in \(out)") }
            }
        }
    }
}

extension StoreCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every reference to an archive, sealed under an export key (ciphertexts are copied, not decrypted).")
        @OptionGroup var options: StoreOptions
        @Option(help: "Archive to write (created with mode 0600; never overwritten).") var out: String
        @Option(help: "Export key file (mode 0600); may be the store's own key.") var exportKeyFile: String

        func run() throws {
            let store = try options.open(readOnly: true)
            defer { store.close() }
            let report = try reportingStoreErrors {
                try store.export(to: URL(fileURLWithPath: out), under: KeyEncryptionKey.fromFile(exportKeyFile))
            }
            if options.json { try printStoreJSON(report) } else { print("exported \(report.references) references (\(report.samples) with samples) to \(out)") }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authenticate an archive, then enroll its references here under this store's key (resumable).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Archive written by `biomatch store export`.") var archive: String
        @Option(help: "The export key file the archive was written under.") var exportKeyFile: String
        @Option(help: "References per transaction.") var batchSize = 500

        func run() throws {
            let store = try options.open()
            defer { store.close() }
            let report = try reportingStoreErrors {
                try store.importArchive(from: URL(fileURLWithPath: archive), exportKey: KeyEncryptionKey.fromFile(exportKeyFile), batchSize: batchSize)
            }
            if options.json { try printStoreJSON(report) } else {
                print("imported \(report.references) references (\(report.samples) with samples); \(report.alreadyPresent) were already present")
            }
        }
    }
}
