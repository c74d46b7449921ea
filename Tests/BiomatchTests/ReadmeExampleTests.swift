import Biomatch
import Foundation
import Testing

// README: library example begins
import Biomatch

/// Enrolls `photo` as alice, then verifies the photo taken at the till against her.
func enrollAndVerify(models: URL, store: String, keyFile: String, photo: Data, atTheTill: Data) async throws -> Bool {
    let engine = try Engine(modelsDirectory: models, store: .sqlite(path: store), key: .file(keyFile))
    _ = try await engine.enroll(faceImage: [UInt8](photo), subjectID: "alice")
    let decision = try await engine.verify(faceImage: [UInt8](atTheTill), claimedSubject: "alice", tier: "low")
    return decision.isMatch
}
// README: library example ends

/// The README's library example is this file's, compiled and run: one import, at most ten
/// lines, a match for the same face and none for another.
@Suite struct ReadmeExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = root.appendingPathComponent("Models")

    static func example(in text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.contains("README: library example begins") }),
              let end = lines.firstIndex(where: { $0.contains("README: library example ends") }), start < end else { return [] }
        return Array(lines[(start + 1)..<end])
    }

    @Test func theReadmeExampleIsThisCodeInAtMostTenLines() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let here = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let inReadme = Self.example(in: readme).filter { !$0.hasPrefix("```") }
        #expect(!inReadme.isEmpty && inReadme == Self.example(in: here))
        #expect(inReadme.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count <= 10)
        #expect(inReadme.filter { $0.hasPrefix("import ") } == ["import Biomatch"])
    }

    @Test func theExampleMatchesTheSameFaceAndNotAnother() async throws {
        guard FileManager.default.fileExists(atPath: Self.models.appendingPathComponent("face_recognition_sface_2021dec_fp32.onnx").path) else {
            Issue.record("the face models are missing; Scripts/test.sh fetches them")
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("readme-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let keyFile = work.appendingPathComponent("customers.kek").path
        #expect(FileManager.default.createFile(atPath: keyFile, contents: Data((KeyEncryptionKey.generate().hexEncoded + "\n").utf8),
                                               attributes: [.posixPermissions: 0o600]))
        let astronaut = try Data(contentsOf: Self.models.appendingPathComponent("samples/astronaut.png"))
        let messi = try Data(contentsOf: Self.models.appendingPathComponent("samples/messi5.jpg"))
        let same = try await enrollAndVerify(models: Self.models, store: work.appendingPathComponent("a.sqlite").path, keyFile: keyFile,
                                             photo: astronaut, atTheTill: astronaut)
        let other = try await enrollAndVerify(models: Self.models, store: work.appendingPathComponent("b.sqlite").path, keyFile: keyFile,
                                              photo: astronaut, atTheTill: messi)
        #expect(same && !other)
        // The store was made on first use, private, and is opened again on the next.
        let mode = try FileManager.default.attributesOfItem(atPath: work.appendingPathComponent("a.sqlite").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try await enrollAndVerify(models: Self.models, store: work.appendingPathComponent("a.sqlite").path, keyFile: keyFile,
                                              photo: astronaut, atTheTill: astronaut)
        #expect(again)
    }
}
