/// Aligns a detected face onto the canonical 112×112 crop the recognizer was trained
/// on, by the similarity transform that best maps the five detected landmarks onto
/// the standard ArcFace template (the same template OpenCV's `FaceRecognizerSF` uses).
struct FaceAligner {
    /// Output side in pixels.
    static let size = 112

    /// Reference landmark positions in the 112×112 crop: right eye, left eye, nose tip,
    /// right mouth corner, left mouth corner (image left first).
    static let template: [Point] = [
        Point(x: 38.2946, y: 51.6963), Point(x: 73.5318, y: 51.5014), Point(x: 56.0252, y: 71.7366),
        Point(x: 41.5493, y: 92.3655), Point(x: 70.7299, y: 92.2041),
    ]

    /// The transform from image coordinates to the crop, or `nil` for degenerate landmarks.
    static func transform(for face: DetectedFace) -> SimilarityTransform? {
        guard face.landmarks.count == 5 else { return nil }
        return SimilarityTransform.estimate(from: face.landmarks, to: template)
    }

    /// The aligned 112×112 BGR crop.
    static func align(_ image: DecodedImage, face: DetectedFace) throws -> DecodedImage {
        guard let t = transform(for: face) else {
            throw FaceError(.noFace, "the detected landmarks are degenerate and cannot be aligned")
        }
        return try image.warped(by: t, width: size, height: size)
    }
}
