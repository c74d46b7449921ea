/// YuNet 2023mar face detection on images of any size.
///
/// The image is downscaled when its longer side exceeds ``Options/maxInputSide``, then
/// padded on the right and bottom to a multiple of 32 (the network's largest stride),
/// so no aspect-ratio distortion is introduced. Boxes and landmarks are mapped back to
/// the original image's coordinates.
///
/// When nothing is found, two recoveries are tried before reporting a failure to
/// acquire, because both are common in enrollment photos:
/// 1. a tightly cropped face (the face fills the frame, as in passport-style crops)
///    is framed by a black margin so the detector sees the whole head;
/// 2. a weak but plausible face is accepted at ``Options/fallbackThreshold``.
struct FaceDetector: Sendable {
    struct Options: Sendable {
        var scoreThreshold = 0.8
        var fallbackThreshold = 0.5
        var nmsThreshold = 0.3
        var maxInputSide = 960
        /// Margin added on every side for the tight-crop recovery, as a fraction of the side.
        var recoveryMargin = 0.4
    }

    let network: OpenCVNetwork
    var options = Options()

    func detect(in image: DecodedImage) throws -> [DetectedFace] {
        let primary = try run(image, threshold: options.scoreThreshold)
        if !primary.isEmpty { return primary }
        let framed = try framedDetection(image, threshold: options.scoreThreshold)
        if !framed.isEmpty { return framed }
        let weak = try run(image, threshold: options.fallbackThreshold)
        if !weak.isEmpty { return weak }
        return try framedDetection(image, threshold: options.fallbackThreshold)
    }

    private func framedDetection(_ image: DecodedImage, threshold: Double) throws -> [DetectedFace] {
        let mx = Int(Double(image.width) * options.recoveryMargin)
        let my = Int(Double(image.height) * options.recoveryMargin)
        let shift = SimilarityTransform.translation(x: Double(mx), y: Double(my))
        let framed = try image.warped(by: shift, width: image.width + 2 * mx, height: image.height + 2 * my)
        return try run(framed, threshold: threshold).map { face in
            var f = face
            f.box.x -= Double(mx)
            f.box.y -= Double(my)
            f.landmarks = f.landmarks.map { Point(x: $0.x - Double(mx), y: $0.y - Double(my)) }
            return f
        }
    }

    private func run(_ image: DecodedImage, threshold: Double) throws -> [DetectedFace] {
        var input = image
        var scale = 1.0
        let longer = max(image.width, image.height)
        if longer > options.maxInputSide {
            scale = Double(options.maxInputSide) / Double(longer)
            input = try image.resized(width: max(1, Int((Double(image.width) * scale).rounded())),
                                      height: max(1, Int((Double(image.height) * scale).rounded())))
        }
        let paddedWidth = (input.width + 31) / 32 * 32, paddedHeight = (input.height + 31) / 32 * 32
        if paddedWidth != input.width || paddedHeight != input.height {
            input = try input.padded(right: paddedWidth - input.width, bottom: paddedHeight - input.height)
        }
        let outputs = try network.forward([input], parameters: .init(), outputs: YuNetDecoder.outputNames)
        let decoder = YuNetDecoder(scoreThreshold: threshold, nmsThreshold: options.nmsThreshold)
        let faces = try decoder.decode(outputs: outputs, inputWidth: paddedWidth, inputHeight: paddedHeight)
        guard scale != 1 else { return faces }
        return faces.map { face in
            DetectedFace(
                box: Rectangle(x: face.box.x / scale, y: face.box.y / scale, width: face.box.width / scale, height: face.box.height / scale),
                confidence: face.confidence,
                landmarks: face.landmarks.map { Point(x: $0.x / scale, y: $0.y / scale) })
        }
    }
}
