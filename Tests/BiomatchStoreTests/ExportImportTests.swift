@testable import BiomatchStore
import Foundation
import Testing

@Suite("Export and import between stores")
struct ExportImportTests {
    @Test(arguments: StoreKind.available) func anArchiveMovesEveryReferenceWithItsStatus(_ kind: StoreKind) throws {
        let source = try StoreFixture(.sqlite)
        try source.store.enroll((1...12).map { draft($0, sample: $0 % 3 == 0) } + [draft(13, subject: "subject-1", modality: .finger)])
        try source.store.revoke(referenceID: "ref-5")
        let exportKey = KeyEncryptionKey.generate()
        let archive = source.directory.appendingPathComponent("out.bmx")
        let written = try source.store.export(to: archive, under: exportKey)
        #expect(written.references == 13 && written.samples == 4)
        // The archive holds ciphertext only.
        let text = try String(contentsOf: archive, encoding: .utf8)
        #expect(!text.contains(Data(templateBytes(1)).base64EncodedString()))
        #expect(throws: StoreError.self) { try source.store.export(to: archive, under: exportKey) }  // never overwritten

        let target = try StoreFixture(kind)
        let imported = try target.store.importArchive(from: archive, exportKey: exportKey, batchSize: 5)
        #expect(imported.references == 13 && imported.samples == 4 && imported.alreadyPresent == 0)
        for i in 1...13 { #expect(try target.store.template("ref-\(i)").template == templateBytes(i)) }
        #expect(try target.store.sample("ref-6") == templateBytes(10_006, count: 200))
        #expect(try target.store.template("ref-5").info.status == .revoked)
        #expect(try target.store.template("ref-13").info.fingerPosition == 2)
        // Importing again changes nothing.
        let again = try target.store.importArchive(from: archive, exportKey: exportKey)
        #expect(again.references == 0 && again.alreadyPresent == 13)
        #expect(try target.store.verifyAudit().valid)
    }

    @Test func aChangedTruncatedOrForeignArchiveImportsNothing() throws {
        let source = try StoreFixture()
        try source.store.enroll((1...4).map { draft($0) })
        let exportKey = KeyEncryptionKey.generate()
        let archive = source.directory.appendingPathComponent("out.bmx")
        try source.store.export(to: archive, under: exportKey)
        let original = try Data(contentsOf: archive)
        var lines = original.split(separator: 0x0A).map { Data($0) }

        let target = try StoreFixture()
        let bad = source.directory.appendingPathComponent("bad.bmx")
        func attempt(_ data: Data, _ code: StoreError.Code, _ what: String) throws {
            try? FileManager.default.removeItem(at: bad)
            try data.write(to: bad)
            expectStoreError(code, "\(what)") { try target.store.importArchive(from: bad, exportKey: exportKey) }
            #expect(try target.store.statistics().references == 0, "\(what)")
        }
        // A changed quality in one record.
        var edited = lines
        edited[2] = Data(String(decoding: edited[2], as: UTF8.self).replacingOccurrences(of: "\"quality\":70", with: "\"quality\":99").utf8)
        try attempt(Data(edited.joined(separator: [0x0A])), .integrity, "edited record")
        // A dropped record, and a cut-off file.
        lines.remove(at: 3)
        try attempt(Data(lines.joined(separator: [0x0A])), .integrity, "dropped record")
        try attempt(original.prefix(original.count / 2), .integrity, "truncated")
        // Another key.
        expectStoreError(.wrongKey) { try target.store.importArchive(from: archive, exportKey: KeyEncryptionKey.generate()) }
        #expect(try target.store.statistics().references == 0)
    }
}
