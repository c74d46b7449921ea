import BiomatchSupport
import Crypto
import Foundation
import Logging

/// The loaded, hash-verified face models: the YuNet detector and the SFace recognizer,
/// with the manifest entries that describe them.
///
/// Loading checks every converted file's sha256 against the manifest and refuses a
/// file that differs, so a swapped or corrupted model is never used to make a
/// decision. Instances are immutable and safe to share; load once per process.
public final class FaceModels: Sendable {
    /// The manifest the models were loaded from.
    public let manifest: ModelManifest
    /// The detector's manifest entry.
    public let detectorInfo: ModelManifest.Model
    /// The recognizer's manifest entry, with its threshold calibration.
    public let recognizerInfo: ModelManifest.Model

    let detector: OpenCVNetwork
    let recognizer: OpenCVNetwork

    /// Loads from a `Models/` directory holding `manifest.json` and the converted files.
    ///
    /// - Parameter instances: copies of each network, so that this many threads can run
    ///   forward passes at once (a batch tool passes its worker count and sets
    ///   ``ComputeThreads/setOpenCVThreads(_:)`` to 1).
    /// - Throws: ``FaceError`` `modelMissing` (run `Scripts/fetch_models.sh`),
    ///   `modelIntegrity` (hash mismatch) or `modelLoad`.
    public init(directory: URL, instances: Int = 1) throws {
        let manifest = try ModelManifest.load(from: directory.appendingPathComponent("manifest.json"))
        guard let detectorInfo = manifest.model(role: "face-detector"),
              let recognizerInfo = manifest.model(role: "face-recognizer") else {
            throw FaceError(.modelLoad, "the manifest lacks a face-detector or face-recognizer entry")
        }
        let detectorPath = try Self.verifiedPath(detectorInfo, in: directory)
        let recognizerPath = try Self.verifiedPath(recognizerInfo, in: directory)
        self.manifest = manifest
        self.detectorInfo = detectorInfo
        self.recognizerInfo = recognizerInfo
        detector = try OpenCVNetwork(onnxPath: detectorPath, name: detectorInfo.id, instances: instances)
        recognizer = try OpenCVNetwork(onnxPath: recognizerPath, name: recognizerInfo.id, instances: instances)
        Self.logger.debug("face models loaded and verified", metadata: [
            "detector": "\(detectorInfo.id) \(detectorInfo.version)",
            "recognizer": "\(recognizerInfo.id) \(recognizerInfo.version)",
        ])
    }

    // Model ids and paths only: never pixels, templates or scores.
    private static let logger = Logger(label: "biomatch.face.models")

    /// Loads from ``locateDirectory()``.
    ///
    /// - Throws: ``FaceError`` `modelMissing` when no models directory is found, `modelIntegrity` for a file whose hash differs, `modelLoad` when OpenCV cannot load one.
    public convenience init(instances: Int = 1) throws {
        try self.init(directory: Self.locateDirectory(), instances: instances)
    }

    /// Where the models are: `$BIOMATCH_MODELS_DIR`, else the first `Models/manifest.json`
    /// found walking up from the current directory or from the executable.
    ///
    /// - Throws: ``FaceError`` `modelMissing` naming the places searched.
    public static func locateDirectory() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["BIOMATCH_MODELS_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)]
        if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = directory.appendingPathComponent("Models", isDirectory: true)
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("manifest.json").path) {
                    return candidate
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw FaceError(.modelMissing, "no Models/manifest.json found from \(starts.map(\.path).joined(separator: " or ")); set BIOMATCH_MODELS_DIR or run Scripts/fetch_models.sh")
    }

    private static func verifiedPath(_ model: ModelManifest.Model, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(model.file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FaceError(.modelMissing, "\(model.id): \(url.path) is missing; run Scripts/fetch_models.sh")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FaceError(.modelMissing, "\(model.id): cannot read \(url.path)")
        }
        let digest = Hex.encode(SHA256.hash(data: data))
        guard digest == model.sha256Converted.lowercased() else {
            throw FaceError(.modelIntegrity, "\(model.id): \(url.lastPathComponent) has sha256 \(digest), the manifest pins \(model.sha256Converted); delete it and run Scripts/fetch_models.sh")
        }
        return url.path
    }
}
