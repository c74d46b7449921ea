import BiomatchSupport
internal import CBiomatchBridge
import Foundation

/// One face found in an image, with its quality and template.
public struct FaceCapture: Sendable {
    /// The detection: box, confidence, landmarks.
    public let face: DetectedFace
    /// Capture quality 0–100 with reasons.
    public let quality: CaptureQuality
    /// The face template.
    public let template: FaceTemplate
}

/// Face image in, face template out: detection (YuNet), 5-point alignment, SFace
/// embedding and capture quality.
///
/// ```swift
/// let models = try FaceModels()
/// let pipeline = FacePipeline(models: models)
/// let probe = try pipeline.capture(in: DecodedImage(contentsOf: url)).template
/// ```
///
/// Thread-safe: share one pipeline between tasks. Each network runs one forward pass at
/// a time and uses every core for it.
public final class FacePipeline: Sendable {
    /// Tunables.
    public struct Options: Sendable {
        /// Enrollment refuses captures below this quality (0–100); each refusal is a
        /// failure to enroll.
        public var enrollmentQualityFloor = 40
        /// Also embed the aligned crop's mirror image (see the embedder's notes). Lowers
        /// FNMR (CelebA: 3.8 % instead of 4.2 % at FMR 1e-3) at the cost of a second
        /// recognizer pass, so it is off by default to keep terminal latency low.
        /// Templates made with and without it are comparable.
        public var flipAugmentation = false
        /// Detector confidence needed before the recovery passes are tried.
        public var detectionThreshold = 0.8
        /// Longer image side fed to the detector; larger images are downscaled.
        public var maxDetectorInputSide = 960
        public init() {}
    }

    /// The loaded models.
    public let models: FaceModels
    /// The options in force.
    public let options: Options
    private let detector: FaceDetector
    private let embedder: FaceEmbedder

    public init(models: FaceModels, options: Options = Options()) {
        self.models = models
        self.options = options
        var detectorOptions = FaceDetector.Options()
        detectorOptions.scoreThreshold = options.detectionThreshold
        detectorOptions.maxInputSide = options.maxDetectorInputSide
        detector = FaceDetector(network: models.detector, options: detectorOptions)
        embedder = FaceEmbedder(
            network: models.recognizer, dimension: models.recognizerInfo.embeddingDimension ?? 128,
            flipAugmentation: options.flipAugmentation)
    }

    /// Every face in `image`, the primary one first (largest box × confidence).
    ///
    /// - Throws: ``FaceError`` `inference` when the detector fails.
    public func detect(in image: DecodedImage) throws -> [DetectedFace] {
        try detector.detect(in: image).sorted { Self.priority($0) > Self.priority($1) }
    }

    /// Every face in `image`, found on a copy whose longer side is at most `maxInputSide`
    /// (coordinates in `image`'s pixels): about four times cheaper at 320 than at 640, for
    /// the large face of a terminal's frame where the box, not fine landmarks, is needed.
    ///
    /// - Throws: ``FaceError`` `inference` when the detector fails.
    public func detect(in image: DecodedImage, maxInputSide: Int) throws -> [DetectedFace] {
        var quick = detector
        quick.options.maxInputSide = max(64, maxInputSide)
        return try quick.detect(in: image).sorted { Self.priority($0) > Self.priority($1) }
    }

    /// The primary face's capture.
    ///
    /// - Throws: ``FaceError`` `noFace` (a failure to acquire), or a model error.
    public func capture(in image: DecodedImage, name: String = "image") throws -> FaceCapture {
        guard let face = try detect(in: image).first else {
            throw FaceError(.noFace, "\(name): no face found")
        }
        return try capture(face, in: image)
    }

    /// Captures of every face in `image`, primary first (empty when there is none).
    ///
    /// - Throws: ``FaceError`` from detection, alignment or embedding.
    public func captureAll(in image: DecodedImage) throws -> [FaceCapture] {
        try detect(in: image).map { try capture($0, in: image) }
    }

    /// The primary face's capture if its quality reaches
    /// ``Options/enrollmentQualityFloor``.
    ///
    /// - Throws: ``FaceError`` `qualityTooLow` with the reasons (a failure to enroll),
    ///   `noFace`, or a model error.
    public func enroll(_ image: DecodedImage, name: String = "image") throws -> FaceCapture {
        let capture = try capture(in: image, name: name)
        guard capture.quality.score >= options.enrollmentQualityFloor else {
            let why = capture.quality.reasons.map(\.description).joined(separator: "; ")
            throw FaceError(.qualityTooLow,
                            "\(name): quality \(capture.quality.score) is below the enrollment floor \(options.enrollmentQualityFloor)\(why.isEmpty ? "" : ": " + why)",
                            qualityReasons: capture.quality.reasons)
        }
        return capture
    }

    /// Aligns, embeds and assesses one detected face.
    ///
    /// - Throws: ``FaceError`` from alignment or embedding (`inference`), or an invalid template.
    public func capture(_ face: DetectedFace, in image: DecodedImage) throws -> FaceCapture {
        let aligned = try FaceAligner.align(image, face: face)
        let quality = QualityAssessor.assess(face: face, image: image, aligned: aligned)
        let embedding = try embedder.embed(aligned: aligned)
        let info = models.recognizerInfo
        let template = try FaceTemplate(
            embedding: embedding, modelID: info.id, modelVersion: info.version, quality: quality.score,
            capture: CaptureMetadata(
                imageWidth: image.width, imageHeight: image.height, faceBox: face.box,
                detectorConfidence: face.confidence,
                capturedAtMilliseconds: UnixMilliseconds.now()))
        return FaceCapture(face: face, quality: quality, template: template)
    }

    private static func priority(_ face: DetectedFace) -> Double { face.box.area * face.confidence }
}

extension FacePipeline {
    /// The OpenCV version the bridge was built against.
    public static var openCVVersion: String { String(cString: bmcv_opencv_version()) }
}
