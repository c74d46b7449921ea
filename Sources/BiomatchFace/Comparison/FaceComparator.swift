import BiomatchEvaluation
import BiomatchKernels

/// The outcome of comparing two face templates at an FMR target.
public struct FaceDecision: Sendable, Hashable, Codable {
    /// Cosine similarity in [-1, 1].
    public var score: Float
    /// The FMR target the caller asked for (`"1e-4"`).
    public var fmrTarget: String
    /// The calibrated threshold used for that target.
    public var threshold: Float
    /// `score >= threshold`.
    public var isMatch: Bool
}

/// Compares face templates and decides at calibrated false-match rates.
///
/// Thresholds come from the recognizer's calibration in the model manifest; a caller
/// never passes a raw threshold. Thread-safe and cheap to copy.
public struct FaceComparator: Sendable {
    /// The calibration in use.
    public let calibration: ThresholdCalibration
    /// The model the calibration belongs to.
    public let modelID: String

    /// A comparator for the recognizer described by `models`.
    ///
    /// - Throws: ``FaceError`` `uncalibratedTarget` when the manifest holds no calibration.
    public init(models: FaceModels) throws {
        guard let calibration = models.recognizerInfo.calibration else {
            throw FaceError(.uncalibratedTarget, "the model manifest has no threshold calibration for \(models.recognizerInfo.id)")
        }
        self.init(calibration: calibration, modelID: models.recognizerInfo.id)
    }

    /// A comparator with an explicit calibration (for tests and re-calibration).
    public init(calibration: ThresholdCalibration, modelID: String) {
        self.calibration = calibration
        self.modelID = modelID
    }

    /// Cosine similarity of two templates of the same model.
    ///
    /// - Throws: ``FaceError`` `incompatibleTemplates` for different models or sizes.
    public func score(_ a: FaceTemplate, _ b: FaceTemplate) throws -> Float {
        guard a.modelID == b.modelID, a.modelVersion == b.modelVersion, a.dimension == b.dimension else {
            throw FaceError(.incompatibleTemplates, "templates from \(a.modelID) \(a.modelVersion) (\(a.dimension)-d) and \(b.modelID) \(b.modelVersion) (\(b.dimension)-d) cannot be compared; re-extract both with one model")
        }
        // Both are unit length, so the inner product is the cosine.
        return max(-1, min(1, VectorSimilarity.dot(a.values, b.values)))
    }

    /// Decides whether `a` and `b` are the same person at `target`.
    ///
    /// - Throws: ``FaceError`` `incompatibleTemplates`, or `uncalibratedTarget` when
    ///   no threshold is calibrated for `target` (the message lists those that are).
    public func decide(_ a: FaceTemplate, _ b: FaceTemplate, at target: FMRTarget) throws -> FaceDecision {
        guard a.modelID == modelID else {
            throw FaceError(.incompatibleTemplates, "the templates come from \(a.modelID), the calibration from \(modelID)")
        }
        let threshold = try self.threshold(for: target)
        let score = try self.score(a, b)
        return FaceDecision(score: score, fmrTarget: target.key, threshold: threshold, isMatch: score >= threshold)
    }

    /// The calibrated threshold for `target`.
    ///
    /// - Throws: ``FaceError`` `uncalibratedTarget` when no threshold is calibrated for `target`.
    public func threshold(for target: FMRTarget) throws -> Float {
        guard let threshold = calibration.threshold(for: target) else {
            let known = calibration.thresholds.keys.sorted().joined(separator: ", ")
            throw FaceError(.uncalibratedTarget, "no threshold is calibrated for FMR \(target.key); calibrated targets: \(known)")
        }
        return threshold
    }
}
