@testable import BiomatchStore
import BiomatchSupport
import Foundation
import Testing

@Suite("Key-encryption keys: sources, refusals, nothing written on a refused open")
struct KeyHandlingTests {
    func writeKeyFile(_ dir: URL, _ key: KeyEncryptionKey, mode: Int) throws -> String {
        let path = dir.appendingPathComponent("kek-\(mode)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(key.hexEncoded.utf8), attributes: [.posixPermissions: mode]))
        return path
    }

    @Test func keyFileEnvironmentAndPassphraseOpenTheStore() throws {
        let f = try StoreFixture()
        try f.store.enroll([draft(1)])
        let file = try writeKeyFile(f.directory, f.key, mode: 0o600)
        let byFile = try TemplateStore.open(at: f.location, keys: [.file(file)], actor: "t", readOnly: true)
        #expect(try byFile.template("ref-1").template == templateBytes(1))
        byFile.close()
        setenv("BIOMATCH_TEST_KEY", f.key.hexEncoded, 1)
        defer { unsetenv("BIOMATCH_TEST_KEY") }
        let byEnv = try TemplateStore.open(at: f.location, keys: [.environment("BIOMATCH_TEST_KEY")], actor: "t")
        #expect(try byEnv.template("ref-1").template == templateBytes(1))
        byEnv.close()

        let path = f.directory.appendingPathComponent("pass.sqlite").path
        let created = try TemplateStore.create(at: .sqlite(path: path), key: .passphrase("correct horse battery staple"), actor: "t")
        try created.enroll([draft(2)])
        created.close()
        let reopened = try TemplateStore.open(at: .sqlite(path: path), keys: [.passphrase("correct horse battery staple")], actor: "t")
        #expect(try reopened.template("ref-2").template == templateBytes(2))
        reopened.close()
        let message = expectStoreError(.wrongKey) { try TemplateStore.open(at: .sqlite(path: path), keys: [.passphrase("wrong horse")], actor: "t") }
        #expect(message.contains("not a key of the store"))
    }

    @Test(arguments: StoreKind.available) func wrongKeyMissingFileAndOpenFileModeAreRefusedAndNothingIsWritten(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1)])
        f.store.close()
        let before = try f.contentDigest()
        let wrong = KeyEncryptionKey.generate()
        var message = expectStoreError(.wrongKey) { try TemplateStore.open(at: f.location, keys: [.key(wrong)], actor: "t") }
        #expect(message.contains(wrong.id) && message.contains(f.key.id))
        let missing = f.directory.appendingPathComponent("no-such-key").path
        message = expectStoreError(.keyUnavailable) { try TemplateStore.open(at: f.location, keys: [.file(missing)], actor: "t") }
        #expect(message.contains(missing))
        let loose = try writeKeyFile(f.directory, f.key, mode: 0o644)
        message = expectStoreError(.keyFileInsecure) { try TemplateStore.open(at: f.location, keys: [.file(loose)], actor: "t") }
        #expect(message.contains("0644") && message.contains("chmod 600"))
        expectStoreError(.keyUnavailable) { try TemplateStore.open(at: f.location, keys: [.environment("BIOMATCH_NO_SUCH_VARIABLE")], actor: "t") }
        let garbage = f.directory.appendingPathComponent("garbage").path
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data("not a key".utf8), attributes: [.posixPermissions: 0o600]))
        expectStoreError(.invalidKey) { try TemplateStore.open(at: f.location, keys: [.file(garbage)], actor: "t") }
        let after = try f.contentDigest()
        if kind == .sqlite {
            expectStoreError(.storeMissing) { try TemplateStore.open(at: .sqlite(path: f.path + ".nope"), keys: [.key(f.key)], actor: "t") }
            #expect(!FileManager.default.fileExists(atPath: f.path + ".nope"))
            // The database file is byte-identical; SQLite may leave an empty WAL beside it
            // (a read-only connection needs one), but no page was written to it.
            #expect(after[""] == before[""])
            #expect(after["-wal"] == before["-wal"] || (before["-wal"] == nil && after["-wal"]?.isEmpty == true))
        } else {
            #expect(after == before)
        }
        // And the right key still opens it, with the journal untouched by the refusals.
        let ok = try TemplateStore.open(at: f.location, keys: [.key(f.key)], actor: "t", readOnly: true)
        #expect(try ok.statistics().auditEntries == 2)
        ok.close()
    }

    @Test(arguments: StoreKind.available) func creatingOverAnExistingStoreIsRefused(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        expectStoreError(.storeExists) { try TemplateStore.create(at: f.location, key: .key(f.key), actor: "t") }
    }

    /// A new store's files are private whatever the umask; key files are read once, not
    /// through links, and only when their user alone can read them.
    @Test func storesAreCreatedPrivateAndKeyFilesAreCheckedOnTheirDescriptor() throws {
        let f = try StoreFixture()
        try f.store.enroll([draft(1)])
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            if stat(f.path + suffix, &info) == 0 { #expect(info.st_mode & 0o077 == 0, "store\(suffix) mode \(String(info.st_mode & 0o777, radix: 8))") }
        }
        let file = try writeKeyFile(f.directory, f.key, mode: 0o600)
        let link = f.directory.appendingPathComponent("kek-link").path
        #expect(symlink(file, link) == 0)
        let message = expectStoreError(.keyUnavailable) { try KeyEncryptionKey.fromFile(link) }
        #expect(message.contains("symbolic link"))
        expectStoreError(.keyUnavailable) { try KeyEncryptionKey.fromFile(f.directory.path) }
        expectStoreError(.keyFileInsecure) { try KeyEncryptionKey.fromFile(try writeKeyFile(f.directory, f.key, mode: 0o640)) }
        #expect(try KeyEncryptionKey.fromFile(file).id == f.key.id)
        #expect(try SecretFile.read(file).count == 64)
    }

    @Test func keyEncodingsAndIds() throws {
        let k = KeyEncryptionKey.generate()
        let hex = try KeyEncryptionKey.decode(Array(" \(k.hexEncoded)\n".utf8), source: "test")
        #expect(hex.id == k.id && k.id.count == 16)
        let raw = try KeyEncryptionKey(bytes: Hex.decode(k.hexEncoded) ?? [])
        let b64 = try KeyEncryptionKey.decode(Array(Data(Hex.decode(k.hexEncoded) ?? []).base64EncodedString().utf8), source: "t")
        #expect(raw.id == k.id && b64.id == k.id)
        #expect(KeyEncryptionKey.generate().id != k.id)
        expectStoreError(.invalidKey) { try KeyEncryptionKey(bytes: [UInt8](repeating: 1, count: 31)) }
    }
}
