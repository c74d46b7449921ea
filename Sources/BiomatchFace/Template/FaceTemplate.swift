import BiomatchKernels

/// Where and how a face template was captured.
public struct CaptureMetadata: Sendable, Hashable, Codable {
    /// Size of the source image in pixels.
    public var imageWidth: Int
    public var imageHeight: Int
    /// The face box in the source image.
    public var faceBox: Rectangle
    /// Detector confidence in [0, 1].
    public var detectorConfidence: Double
    /// Capture time in milliseconds since 1970 (0 when unknown).
    public var capturedAtMilliseconds: Int64

    public init(imageWidth: Int, imageHeight: Int, faceBox: Rectangle, detectorConfidence: Double, capturedAtMilliseconds: Int64) {
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.faceBox = faceBox
        self.detectorConfidence = detectorConfidence
        self.capturedAtMilliseconds = capturedAtMilliseconds
    }

    /// The metadata as serialisation keeps it (box and confidence in binary32), so a
    /// template equals itself after a round trip.
    var atStoredPrecision: CaptureMetadata {
        func f(_ v: Double) -> Double { Double(Float(v)) }
        return CaptureMetadata(
            imageWidth: min(max(imageWidth, 0), Int(UInt32.max)), imageHeight: min(max(imageHeight, 0), Int(UInt32.max)),
            faceBox: Rectangle(x: f(faceBox.x), y: f(faceBox.y), width: f(faceBox.width), height: f(faceBox.height)),
            detectorConfidence: f(detectorConfidence), capturedAtMilliseconds: capturedAtMilliseconds)
    }
}

/// A face template: an L2-normalised embedding with the model that made it, the
/// capture's quality and metadata.
///
/// Templates are immutable values. Two templates compare only if they come from the
/// same model id and version (``FaceComparator`` checks). Serialise with
/// ``serialized()`` and read back with ``init(serialized:)``; the byte layout is
/// documented on ``init(serialized:)``.
public struct FaceTemplate: Sendable, Hashable {
    /// The unit-length embedding.
    public let values: [Float]
    /// Recognizer id, e.g. `"sface-2021dec"`.
    public let modelID: String
    /// Recognizer version, e.g. `"2021dec-fp32"`.
    public let modelVersion: String
    /// Capture quality 0–100.
    public let quality: Int
    /// Capture metadata.
    public let capture: CaptureMetadata

    /// Builds a template from a raw embedding, normalising it to unit length.
    ///
    /// - Throws: ``FaceError`` `invalidTemplate` when the embedding is empty, longer
    ///   than 4096 values, zero or not finite, or the quality is outside 0–100.
    public init(embedding: [Float], modelID: String, modelVersion: String, quality: Int, capture: CaptureMetadata) throws {
        guard !embedding.isEmpty, embedding.count <= 4096, embedding.allSatisfy(\.isFinite),
              let unit = VectorSimilarity.l2Normalized(embedding) else {
            throw FaceError(.invalidTemplate, "the embedding is empty, too long, zero or not finite")
        }
        guard (0...100).contains(quality) else {
            throw FaceError(.invalidTemplate, "quality \(quality) is outside 0–100")
        }
        guard modelID.utf8.count <= 255, modelVersion.utf8.count <= 255, !modelID.isEmpty else {
            throw FaceError(.invalidTemplate, "the model id or version is empty or longer than 255 bytes")
        }
        values = unit
        self.modelID = modelID
        self.modelVersion = modelVersion
        self.quality = quality
        self.capture = capture.atStoredPrecision
    }

    /// Keeps already validated unit values bit for bit (deserialisation).
    init(unitValues: [Float], modelID: String, modelVersion: String, quality: Int, capture: CaptureMetadata) throws {
        guard (0...100).contains(quality) else {
            throw FaceError(.invalidTemplate, "quality \(quality) is outside 0–100")
        }
        guard !modelID.isEmpty else { throw FaceError(.invalidTemplate, "the model id is empty") }
        values = unitValues
        self.modelID = modelID
        self.modelVersion = modelVersion
        self.quality = quality
        self.capture = capture
    }

    /// The embedding's length.
    public var dimension: Int { values.count }
}
