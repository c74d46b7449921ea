@testable import BiomatchStore
import Foundation
import Testing

/// Acceptance: flip every byte of a stored record in turn; each read fails with an
/// integrity error and none returns a template.
@Suite("Tampering with stored records")
struct TamperTests {
    /// Every stored field of a reference row as bytes, with a way to put bytes back.
    static var referenceFields: [(String, (ReferenceRow) -> [UInt8], (inout ReferenceRow, [UInt8]) -> Void)] { [
        ("id", { Array($0.id.utf8) }, { $0.id = String(decoding: $1, as: UTF8.self) }),
        ("subject_id", { Array($0.subjectID.utf8) }, { $0.subjectID = String(decoding: $1, as: UTF8.self) }),
        ("modality", { Array($0.modality.utf8) }, { $0.modality = String(decoding: $1, as: UTF8.self) }),
        ("finger_position", { intBytes($0.fingerPosition) }, { $0.fingerPosition = int($1) }),
        ("model_id", { Array($0.modelID.utf8) }, { $0.modelID = String(decoding: $1, as: UTF8.self) }),
        ("model_version", { Array($0.modelVersion.utf8) }, { $0.modelVersion = String(decoding: $1, as: UTF8.self) }),
        ("quality", { intBytes($0.quality) }, { $0.quality = int($1) }),
        ("created_at", { intBytes($0.createdAt) }, { $0.createdAt = int($1) }),
        ("valid_until", { intBytes($0.validUntil ?? 0) }, { $0.validUntil = int($1) }),
        ("status", { Array($0.status.utf8) }, { $0.status = String(decoding: $1, as: UTF8.self) }),
        ("key_id", { Array($0.template.keyID.utf8) }, { $0.template.keyID = String(decoding: $1, as: UTF8.self) }),
        ("wrapped_key", { $0.template.wrappedKey }, { $0.template.wrappedKey = $1 }),
        ("nonce", { $0.template.nonce }, { $0.template.nonce = $1 }),
        ("ciphertext", { $0.template.ciphertext }, { $0.template.ciphertext = $1 }),
        ("tag", { $0.template.tag }, { $0.template.tag = $1 }),
    ] }

    static func intBytes(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func int(_ b: [UInt8]) -> Int64 { b.reduce(0) { $0 << 8 | Int64($1) } }

    @Test(arguments: StoreKind.available) func everyFlippedByteOfAReferenceIsAnIntegrityError(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        var d = draft(1)
        d.validity = ValidityPeriod(notBefore: nil, notAfter: 4_000_000_000_000)
        try f.store.enroll([d, draft(2)])
        let original = try #require(try f.store.backend.read { try $0.reference("ref-1") })
        var flips = 0
        for (name, get, set) in Self.referenceFields {
            let bytes = get(original)
            #expect(!bytes.isEmpty, "\(name)")
            for i in bytes.indices {
                var tampered = original
                var changed = bytes
                changed[i] ^= 0x01
                set(&tampered, changed)
                try f.store.backend.write { try $0.replaceReference(id: "ref-1", with: tampered) }
                // Read it the ways a client can: by (possibly changed) id, by subject, by loading.
                expectStoreError(.integrity, "\(name) byte \(i)") { try f.store.template(tampered.id) }
                var loaded: [String] = []
                let report = try f.store.loadTemplates(modality: .face) { loaded += $0.map(\.info.id) }
                #expect(!loaded.contains(tampered.id) && !loaded.contains("ref-1"), "\(name) byte \(i) loaded")
                if tampered.status == "active" && tampered.modality == "face" { #expect(report.integrityFailures == [tampered.id], "\(name) byte \(i)") }
                try f.store.backend.write { try $0.replaceReference(id: tampered.id, with: original) }
                flips += 1
            }
        }
        #expect(flips > 150)
        // Status and dates are bound too: un-revoking a row behind the store's back fails.
        try f.store.revoke(referenceID: "ref-2")
        var unrevoked = try #require(try f.store.backend.read { try $0.reference("ref-2") })
        unrevoked.status = "active"
        try f.store.backend.write { try $0.replaceReference(id: "ref-2", with: unrevoked) }
        expectStoreError(.integrity) { try f.store.template("ref-2") }
        #expect(try f.store.template("ref-1").template == templateBytes(1))
        #expect(try f.store.verifyRecords().failures == ["ref-2"])
    }

    @Test(arguments: StoreKind.available) func everyFlippedByteOfASampleIsAnIntegrityError(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1, sample: true)])
        let original = try #require(try f.store.backend.read { try $0.sample("ref-1") })
        let fields: [(String, (SampleRow) -> [UInt8], (inout SampleRow, [UInt8]) -> Void)] = [
            ("key_id", { Array($0.payload.keyID.utf8) }, { $0.payload.keyID = String(decoding: $1, as: UTF8.self) }),
            ("wrapped_key", { $0.payload.wrappedKey }, { $0.payload.wrappedKey = $1 }),
            ("nonce", { $0.payload.nonce }, { $0.payload.nonce = $1 }),
            ("ciphertext", { $0.payload.ciphertext }, { $0.payload.ciphertext = $1 }),
            ("tag", { $0.payload.tag }, { $0.payload.tag = $1 }),
        ]
        for (name, get, set) in fields {
            let bytes = get(original)
            for i in bytes.indices {
                var tampered = original
                var changed = bytes
                changed[i] ^= 0x80
                set(&tampered, changed)
                try f.store.backend.write { try $0.putSample(tampered) }
                expectStoreError(.integrity, "\(name) byte \(i)") { try f.store.sample("ref-1") }
            }
        }
        try f.store.backend.write { try $0.putSample(original) }
        #expect(try f.store.sample("ref-1") == templateBytes(10_001, count: 200))
    }

    @Test(arguments: StoreKind.available) func aCiphertextMovedToAnotherRowOrSubjectFailsToOpen(_ kind: StoreKind) throws {
        let f = try StoreFixture(kind)
        try f.store.enroll([draft(1), draft(2)])
        let (a, b) = try f.store.backend.read { (try $0.reference("ref-1"), try $0.reference("ref-2")) }
        var moved = try #require(b)
        moved.template = try #require(a).template
        try f.store.backend.write { try $0.replaceReference(id: "ref-2", with: moved) }
        expectStoreError(.integrity) { try f.store.template("ref-2") }
    }

    @Test func hostileColumnTypesAreIntegrityErrorsNotCrashes() throws {
        // SQLite stores any type in any column; PostgreSQL's types refuse such writes.
        let f = try StoreFixture()
        try f.store.enroll([draft(1)])
        try f.store.backend.write { try $0.executeForTesting("UPDATE template_reference SET quality = 'high', created_at = x'00' WHERE id = 'ref-1'") }
        expectStoreError(.integrity) { try f.store.template("ref-1") }
    }
}
