import BiomatchFace
import BiomatchLiveness
import Foundation

/// Runs the liveness checks on what a camera or sensor gave: the face frame (passive PAD),
/// a depth map and an infrared image registered to it, a frame sequence answering an
/// active challenge, a fingerprint image. Each check gives a ``LivenessScore``;
/// ``decide(_:targetAPCER:)`` fuses them into one ``LivenessResult``.
///
/// A terminal links this and sends the result with its probe; the ``Engine`` decides it
/// again at the tier's APCER target.
public struct LivenessAssessor: Sendable {
    /// Face detection for the frames.
    public let pipeline: FacePipeline
    /// The passive face model (colour texture and image distortion), nil to skip the check.
    public let passiveFace: PADModel?
    /// The fingerprint model, nil when fingerprint PAD is not available.
    public let fingerprint: PADModel?

    /// File names of the models in the models directory.
    public static let passiveFaceModelFile = "pad-face-lbp.json"
    /// File name of the fingerprint PAD model.
    public static let fingerprintModelFile = "pad-finger-texture.json"

    /// An assessor with these models.
    public init(pipeline: FacePipeline, passiveFace: PADModel?, fingerprint: PADModel?) {
        self.pipeline = pipeline
        self.passiveFace = passiveFace
        self.fingerprint = fingerprint
    }

    /// An assessor with the models found in `directory` (those missing are skipped).
    ///
    /// - Throws: ``LivenessError`` when a model file is there but unreadable.
    public init(pipeline: FacePipeline, modelsDirectory directory: URL) throws {
        func load(_ name: String) throws -> PADModel? {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
            do { return try JSONDecoder().decode(PADModel.self, from: data) } catch {
                throw LivenessError("the PAD model \(url.path) is unreadable: \(error)")
            }
        }
        let passiveFace = try load(Self.passiveFaceModelFile)
        if let passiveFace, passiveFace.weights.count != PassiveFaceFeatures.count {
            throw LivenessError("the passive face PAD model \(directory.appendingPathComponent(Self.passiveFaceModelFile).path) takes \(passiveFace.weights.count) features, not the \(PassiveFaceFeatures.count) this version extracts; train it again with `biomatch pad train`")
        }
        self.init(pipeline: pipeline, passiveFace: passiveFace, fingerprint: try load(Self.fingerprintModelFile))
    }

    /// The thresholds of every check (the models' calibrations and the rule-based defaults).
    public var calibration: LivenessCalibration { LivenessCalibration(passiveFace: passiveFace, fingerprint: fingerprint) }

    /// Fuses scores into a decision at `targetAPCER`.
    public func decide(_ scores: [LivenessScore], targetAPCER: Double) -> LivenessResult {
        calibration.decide(scores, targetAPCER: targetAPCER)
    }

    /// Longer side of the copy of a frame on which the face checks find the face: a
    /// terminal's large face is found as well at 240 as at 640 for a quarter of the time
    /// (9 ms against 33 ms on one core here), and leave-one-subject-out PAD figures were no
    /// worse. The PAD model is trained on boxes found the same way.
    public static let detectionSide = 240

    /// The most confident face of a frame, found at ``detectionSide``.
    ///
    /// - Throws: ``LivenessError`` when there is none.
    public func face(in frame: DecodedImage) throws -> DetectedFace {
        try face(in: frame, maxInputSide: Self.detectionSide)
    }

    /// The most confident face of a frame, found at up to `maxInputSide` pixels (nil: the
    /// pipeline's own detection size).
    func face(in frame: DecodedImage, maxInputSide: Int?) throws -> DetectedFace {
        let faces = try maxInputSide.map { try pipeline.detect(in: frame, maxInputSide: $0) } ?? pipeline.detect(in: frame)
        guard let face = faces.max(by: { $0.confidence < $1.confidence }) else {
            throw LivenessError("no face was found in the frame, so its liveness cannot be scored")
        }
        return face
    }

    /// The face checks on one frame: passive PAD (when the model is there), and the depth and
    /// infrared checks when those images come (registered to the frame; scaled when their size
    /// differs).
    ///
    /// - Throws: ``LivenessError`` when the frame has no face or an image does not fit;
    ///   ``FaceError`` when detection fails.
    public func faceScores(_ frame: DecodedImage, depth: DepthMap? = nil, infrared: GreyImage? = nil) throws -> [LivenessScore] {
        let face = try face(in: frame)
        var scores: [LivenessScore] = []
        if let passive = try passiveScore(frame, face: face) { scores.append(passive) }
        if let depth {
            let r = Self.scaled(face.box, from: frame, toWidth: depth.width, height: depth.height)
            scores.append(try DepthFaceCheck.assess(depth, x: r.x, y: r.y, width: r.width, height: r.height).livenessScore)
        }
        if let infrared {
            let r = Self.scaled(face.box, from: frame, toWidth: infrared.width, height: infrared.height)
            scores.append(try InfraredFaceCheck.assess(infrared, x: r.x, y: r.y, boxWidth: r.width, boxHeight: r.height).livenessScore)
        }
        return scores
    }

    /// Passive face PAD on a face already found in `frame`; nil without the model.
    ///
    /// - Throws: ``LivenessError`` when the face box does not overlap the frame.
    public func passiveScore(_ frame: DecodedImage, face: DetectedFace) throws -> LivenessScore? {
        guard let passiveFace else { return nil }
        let features = try PassiveFaceFeatures.extract(bgr: frame.bgrPixels(), width: frame.width, height: frame.height,
                                                       box: (face.box.x, face.box.y, face.box.width, face.box.height))
        return LivenessScore(check: .passiveFace, score: passiveFace.score(features), detail: "colour texture and image distortion")
    }

    /// The active challenge over a frame sequence (seconds since the challenge was issued).
    ///
    /// - Throws: ``LivenessError`` when a frame has no face or there are under two frames.
    public func challengeScore(_ challenge: ActiveChallenge, frames: [(time: Double, image: DecodedImage)]) throws -> (LivenessScore, ChallengeResult) {
        let tracks = try frames.map { frame in
            // Landmarks at full resolution: the challenge measures their motion.
            LandmarkFrame(time: frame.time, points: try face(in: frame.image, maxInputSide: nil).landmarks.map { ImagePoint(x: $0.x, y: $0.y) })
        }
        let result = try challenge.verify(tracks)
        return (result.livenessScore, result)
    }

    /// Fingerprint PAD on one image.
    ///
    /// - Throws: ``LivenessError`` when no fingerprint model is loaded or the image holds too
    ///   little fingerprint.
    public func fingerprintScore(_ image: DecodedImage) throws -> LivenessScore {
        guard let fingerprint else {
            throw LivenessError("no fingerprint PAD model (\(Self.fingerprintModelFile)) is loaded")
        }
        let grey = try GreyImage(bgr: image.bgrPixels(), width: image.width, height: image.height)
        let features = try FingerprintTextureFeatures.extract(grey: grey.pixels, width: grey.width, height: grey.height)
        return LivenessScore(check: .fingerprint, score: fingerprint.score(features),
                             detail: zip(FingerprintTextureFeatures.names, features).map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: ", "))
    }

    /// The face box in the coordinates of a registered image of another size, clamped inside it.
    static func scaled(_ box: Rectangle, from frame: DecodedImage, toWidth width: Int, height: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        let sx = Double(width) / Double(frame.width), sy = Double(height) / Double(frame.height)
        let x0 = max(0, Int((box.x * sx).rounded())), y0 = max(0, Int((box.y * sy).rounded()))
        let x1 = min(width, Int(((box.x + box.width) * sx).rounded())), y1 = min(height, Int(((box.y + box.height) * sy).rounded()))
        return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))
    }
}
