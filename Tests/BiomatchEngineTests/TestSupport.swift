@testable import BiomatchEngine
import BiomatchTestSupport
import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchLiveness
@testable import BiomatchStore
import Crypto
import Foundation
import Synchronization
import Testing

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_790_000_000))
    var date: Date { now.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { [self] in self.date } }
}

/// A terminal: the keys it shares with the engine and how it frames probes.
struct TestTerminal {
    let macKey = SymmetricKey(size: .bits256)
    let encryptionKey = SymmetricKey(size: .bits256)
    let signingKey = P256.Signing.PrivateKey()

    var engineKeys: FramingKeys {
        FramingKeys(macKeys: ["t1/mac": macKey], encryptionKeys: ["t1/enc": encryptionKey], verifyingKeys: ["t1/sig": signingKey.publicKey])
    }

    var protection: Protection {
        get throws { .privacyAndIntegrity(try PrivacyProtection(keyName: "t1/enc", key: encryptionKey), .mac(keyName: "t1/mac", key: macKey)) }
    }

    func frame(_ objects: [BiometricObject], protection: Protection? = nil) throws -> [UInt8] {
        try BiometricMessage.seal(objects, protection: try protection ?? self.protection).derEncoded()
    }

    func probe(_ template: FaceTemplate, at time: Date, purpose: BiometricPurpose = .verify, validity: BiometricValidity? = nil,
               liveness: [LivenessScore]? = nil, protection: Protection? = nil) throws -> [UInt8] {
        try frame([.face(template, purpose: purpose, validity: validity, transaction: .fresh(at: time), liveness: liveness)], protection: protection)
    }
}

/// The store backends an engine test may run on: SQLite always; PostgreSQL when
/// `BIOMATCH_TEST_POSTGRES` names a server (Scripts/test.sh starts a private one).
enum EngineStoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var available: [EngineStoreKind] {
        ProcessInfo.processInfo.environment["BIOMATCH_TEST_POSTGRES"].map { !$0.isEmpty } == true ? [.sqlite, .postgres] : [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// A throwaway store (SQLite file, or a fresh PostgreSQL database) with an engine over it.
final class EngineFixture {
    let directory: URL
    let store: TemplateStore
    let location: StoreLocation
    let key = KeyEncryptionKey.generate()
    let clock = TestClock()
    let terminal = TestTerminal()
    let engine: Engine
    private let server: PostgresLocation?

    init(configuration: EngineConfiguration = .standard, pipeline: FacePipeline? = nil, comparator: FaceComparator = SyntheticFaces.comparator,
         challengeKey: SymmetricKey? = nil, livenessAssessor: LivenessAssessor? = nil, kind: EngineStoreKind = .sqlite,
         keys: ((TestTerminal) -> FramingKeys)? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("biomatch-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch kind {
        case .sqlite:
            server = nil
            location = .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        case .postgres:
            let admin = try PostgresLocation(url: ProcessInfo.processInfo.environment["BIOMATCH_TEST_POSTGRES"] ?? "")
            var db = admin
            db.database = "biomatch_engine_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try PostgresBackend.administer(admin, "CREATE DATABASE \(db.database)")
            server = admin
            location = .postgres(db)
        }
        store = try TemplateStore.create(at: location, key: .key(key), actor: "engine-test")
        engine = try Engine(store: store, keys: keys?(terminal) ?? terminal.engineKeys, configuration: configuration, facePipeline: pipeline,
                            faceComparator: comparator, livenessAssessor: livenessAssessor, challengeKey: challengeKey, clock: clock.function)
    }

    /// The store's location as a command-line `--store` value.
    var storeArgument: String {
        switch location {
        case .sqlite(let path): return path
        case .postgres(let db): return db.description
        }
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directory)
        if let server, case .postgres(let db) = location {
            try? PostgresBackend.administer(server, "DROP DATABASE IF EXISTS \(db.database) WITH (FORCE)")
        }
    }
}

/// Face templates without a network: random unit vectors, and probes near them.
enum SyntheticFaces {
    /// The SFace calibration of Models/manifest.json, copied so these tests need no weights.
    static let comparator = FaceComparator(
        calibration: ThresholdCalibration(dataset: "test copy of the manifest calibration", method: "impostor quantiles",
                                          impostorComparisons: 0,
                                          thresholds: ["1e-2": 0.28154132, "1e-3": 0.3484588, "1e-4": 0.40560284, "1e-5": 0.4389835]),
        modelID: "sface-2021dec")

    static func template(seed: UInt64, near base: [Float]? = nil, noise: Float = 0.3, quality: Int = 80) throws -> FaceTemplate {
        var rng = SplitMix64(state: seed)
        var v = (0..<128).map { _ in Float.random(in: -1...1, using: &rng) }
        if let base { v = zip(base, v).map { $0 + noise * $1 / 8 } }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return try FaceTemplate(embedding: v.map { $0 / norm }, modelID: "sface-2021dec", modelVersion: "2021dec", quality: quality,
                                capture: CaptureMetadata(imageWidth: 640, imageHeight: 480, faceBox: Rectangle(x: 100, y: 100, width: 200, height: 200),
                                                         detectorConfidence: 0.95, capturedAtMilliseconds: 0))
    }
}

/// Asserts `body` throws an EngineError with `code` that cites an audit entry; returns it.
@discardableResult
func expectRefusal<T>(_ code: EngineError.Code, audited: Bool = true, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> T) async -> EngineError? {
    do {
        _ = try await body()
        Issue.record("expected refusal \(code), got a result", sourceLocation: sourceLocation)
    } catch let error as EngineError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if audited { #expect(error.auditSequence != nil, "refusal \(error.code) was not journaled", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected EngineError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
