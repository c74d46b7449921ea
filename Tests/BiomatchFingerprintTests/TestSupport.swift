@testable import BiomatchFingerprint
import Foundation
import Testing

/// Paths and shared fixtures for the fingerprint tests.
enum Fixtures {
    /// The repository root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let samples = root.appendingPathComponent("Models/samples/finger")
    /// `../shared`: reference vectors and evaluation images, read in place, never copied.
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    static let recordVectors = shared.appendingPathComponent("reference/vectors/fingerprintio")
    static var hasRecordVectors: Bool { FileManager.default.fileExists(atPath: recordVectors.path) }
    static let fvc2002 = shared.appendingPathComponent("data/finger/fvc2002")
    static var hasFVC: Bool { FileManager.default.fileExists(atPath: fvc2002.appendingPathComponent("DB1_B/101_1.png").path) }

    static func sampleBytes(_ name: String) throws -> [UInt8] {
        let url = samples.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("sample \(name) missing: run Scripts/fetch_samples.sh")
            throw FingerprintError(.unreadableInput, "missing sample \(name)")
        }
        return [UInt8](try Data(contentsOf: url))
    }
}

/// Expects `body` to throw a ``FingerprintError`` with `code`.
func expectFingerprintError<T>(_ code: FingerprintError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) {
    do {
        _ = try body()
        Issue.record("expected FingerprintError.\(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FingerprintError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected FingerprintError.\(code), got \(error)", sourceLocation: sourceLocation)
    }
}
