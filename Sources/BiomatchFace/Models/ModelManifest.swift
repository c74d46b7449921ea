import BiomatchEvaluation
import Foundation

/// `Models/manifest.json`: where each model comes from, the hashes that pin it, how its
/// input is prepared and, for recognizers, the decision thresholds calibrated for it.
///
/// The manifest is committed; the weights it names are fetched and converted by
/// `Scripts/fetch_models.sh` and never enter git.
public struct ModelManifest: Codable, Sendable {
    /// A registry package that carries model files.
    public struct Package: Codable, Sendable {
        public var registry: String
        public var name: String
        public var version: String
        public var file: String
        public var sha256: String
    }

    /// One model.
    public struct Model: Codable, Sendable {
        public var id: String
        public var version: String
        public var role: String
        public var source: String
        /// Path of the original file inside the package.
        public var member: String
        public var sha256Downloaded: String
        /// File name of the converted fp32 ONNX under `Models/`.
        public var file: String
        public var sha256Converted: String
        public var input: String
        public var preprocessing: String
        public var embeddingDimension: Int?
        public var calibration: ThresholdCalibration?
    }

    public var schema: Int
    public var package: Package
    public var models: [Model]

    /// The model with `role`, if any.
    public func model(role: String) -> Model? { models.first { $0.role == role } }

    /// Reads and validates a manifest file.
    ///
    /// - Throws: ``FaceError`` `modelMissing` when the file cannot be read, `modelLoad` when it is not a valid manifest of a supported schema.
    public static func load(from url: URL) throws -> ModelManifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FaceError(.modelMissing, "cannot read the model manifest \(url.path); run Scripts/fetch_models.sh")
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let manifest = try decoder.decode(ModelManifest.self, from: data)
            guard manifest.schema == 1 else {
                throw FaceError(.modelLoad, "\(url.path): manifest schema \(manifest.schema) is not supported (expected 1)")
            }
            return manifest
        } catch let error as FaceError {
            throw error
        } catch {
            throw FaceError(.modelLoad, "\(url.path) is not a valid model manifest: \(error)")
        }
    }
}
