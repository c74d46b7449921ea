@testable import BiomatchStore
import Foundation
import Testing

/// A throwaway store in a temporary folder, removed on deinit.
final class StoreFixture {
    let directory: URL
    let key = KeyEncryptionKey.generate()
    let store: TemplateStore
    let location: StoreLocation

    init(actor: String = "test") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("biomatch-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        location = .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        store = try TemplateStore.create(at: location, key: .key(key), actor: actor)
    }

    var path: String { directory.appendingPathComponent("store.sqlite").path }

    /// Hash of every database file, to show that a refused open wrote nothing.
    func fileDigest() throws -> [String: Data] {
        var out: [String: Data] = [:]
        for suffix in ["", "-wal"] {
            let p = path + suffix
            if let data = FileManager.default.contents(atPath: p) { out[suffix] = data }
        }
        return out
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A deterministic face-like template payload.
func templateBytes(_ seed: Int, count: Int = 64) -> [UInt8] {
    var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

func draft(_ i: Int, subject: String? = nil, modality: Modality = .face, sample: Bool = false) -> ReferenceDraft {
    ReferenceDraft(referenceID: "ref-\(i)", subjectID: subject ?? "subject-\(i)", modality: modality,
                   fingerPosition: modality == .finger ? 2 : 0, modelID: modality == .face ? "sface" : "mcc",
                   modelVersion: "1", quality: 70, template: templateBytes(i), sample: sample ? templateBytes(10_000 + i, count: 200) : nil)
}

/// Asserts `body` throws a StoreError with `code`, and returns its message.
@discardableResult
func expectStoreError<T>(_ code: StoreError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> T) -> String {
    do {
        _ = try body()
        Issue.record("expected \(code), got a result. \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(error) \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}
