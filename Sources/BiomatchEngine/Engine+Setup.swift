import BiomatchFace
import BiomatchFraming
import BiomatchStore
import Crypto
import Foundation

extension Engine {
    /// An engine wired in one call: the face pipeline, comparator and liveness assessor from
    /// the models in `modelsDirectory`, over the store at `store` (an SQLite file that does
    /// not exist yet is created under `key`; a PostgreSQL store is made with
    /// `biomatch store init`).
    ///
    /// The liveness thresholds the engine decides by are those the PAD models were
    /// calibrated with, so a tier that requires liveness works without further set-up.
    ///
    /// - Parameters:
    ///   - modelsDirectory: the folder holding the pinned models (`Models/` of a checkout,
    ///     or where `Scripts/fetch_models.sh` put them).
    ///   - store: where the references and the audit journal live.
    ///   - key: the store's key-encryption key.
    ///   - keys: framing keys the objects of terminals may name (none: only raw images and
    ///     unprotected objects are accepted where the configuration allows them).
    ///   - configuration: the policy.
    ///   - actor: recorded in the audit journal.
    /// - Throws: ``EngineError`` `unsupportedOperation` when a model or the store cannot be
    ///   opened, with the reason.
    public convenience init(modelsDirectory: URL, store location: StoreLocation, key: KeySource, keys: FramingKeys = FramingKeys(),
                configuration: EngineConfiguration = .standard, actor: String = "engine") throws {
        let models: FaceModels, assessor: LivenessAssessor, store: TemplateStore
        do {
            models = try FaceModels(directory: modelsDirectory)
            assessor = try LivenessAssessor(pipeline: FacePipeline(models: models), modelsDirectory: modelsDirectory)
        } catch {
            throw EngineError(.unsupportedOperation, "the models in \(modelsDirectory.path) cannot be loaded: \(error)")
        }
        do {
            if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
                store = try TemplateStore.create(at: location, key: key, actor: actor)
            } else {
                store = try TemplateStore.open(at: location, keys: [key], actor: actor)
            }
        } catch {
            throw EngineError(.store, "the store \(location) cannot be opened: \(error)")
        }
        let comparator: FaceComparator
        do { comparator = try FaceComparator(models: models) } catch {
            throw EngineError(.unsupportedOperation, "the face comparator cannot be calibrated from \(modelsDirectory.path): \(error)")
        }
        try self.init(store: store, keys: keys, configuration: configuration, facePipeline: assessor.pipeline,
                      faceComparator: comparator, livenessAssessor: assessor)
    }
}
