import Foundation

/// YuNet 2023mar face detection on images of any size.
///
/// The image is downscaled when its longer side exceeds ``Options/maxInputSide``, then
/// padded on the right and bottom to a multiple of 32 (the network's largest stride),
/// so no aspect-ratio distortion is introduced. Boxes and landmarks are mapped back to
/// the original image's coordinates.
///
/// When nothing is found, recoveries are tried in turn before reporting a failure to
/// acquire, because each case is common in real photos:
/// 1. a face lying on its side or tilted: the image is rotated by ±90° (also when the
///    upright face is weak, since YuNet reports sideways faces as weak upright ones with
///    wrong landmarks) and then ±45°;
/// 2. a tightly cropped face (the face fills the frame, as in passport-style crops)
///    is framed by a black margin so the detector sees the whole head;
/// 3. a weak but plausible face is accepted at ``Options/fallbackThreshold``.
struct FaceDetector: Sendable {
    struct Options: Sendable {
        var scoreThreshold = 0.8
        var fallbackThreshold = 0.5
        /// An upright face at least this confident is accepted without trying rotations.
        var uprightConfidence = 0.88
        var nmsThreshold = 0.3
        var maxInputSide = 960
        /// Margin added on every side for the tight-crop recovery, as a fraction of the side.
        var recoveryMargin = 0.4
    }

    let network: OpenCVNetwork
    var options = Options()

    func detect(in image: DecodedImage) throws -> [DetectedFace] {
        let primary = try run(image, threshold: options.scoreThreshold)
        let best = primary.map(\.confidence).max() ?? 0
        if best >= options.uprightConfidence { return primary }
        // Weak or no upright face: YuNet often reports a sideways face as a weak upright
        // one with upright-looking (wrong) landmarks, so try the quarter turns and keep
        // the orientation where the face is most confident.
        let turned = try rotatedDetection(image, threshold: options.scoreThreshold, angles: [90, -90])
        if let turnedBest = turned.map(\.confidence).max(), turnedBest > best { return turned }
        if !primary.isEmpty { return primary }
        let tilted = try rotatedDetection(image, threshold: options.scoreThreshold, angles: [45, -45])
        if !tilted.isEmpty { return tilted }
        let framed = try framedDetection(image, threshold: options.scoreThreshold)
        if !framed.isEmpty { return framed }
        let weak = try run(image, threshold: options.fallbackThreshold)
        if !weak.isEmpty { return weak }
        return try framedDetection(image, threshold: options.fallbackThreshold)
    }

    /// Faces lying on their side or tilted: the image is rotated about its centre by
    /// ±45° and ±90° on an enlarged canvas and the detections are rotated back.
    private func rotatedDetection(_ image: DecodedImage, threshold: Double, angles: [Double]) throws -> [DetectedFace] {
        let w = Double(image.width), h = Double(image.height)
        let side = (w * w + h * h).squareRoot().rounded(.up)
        var best: [DetectedFace] = []
        for degrees in angles {
            let r = degrees * .pi / 180
            let a = cos(r), b = sin(r)
            // Rotate about the image centre, placing it at the canvas centre.
            let t = SimilarityTransform(a: a, b: b, tx: side / 2 - (a * w / 2 - b * h / 2), ty: side / 2 - (b * w / 2 + a * h / 2))
            let canvas = try image.warped(by: t, width: Int(side), height: Int(side))
            let faces = try run(canvas, threshold: threshold)
            guard !faces.isEmpty else { continue }
            // Inverse of a similarity with unit scale: rotate by −r after removing translation.
            func back(_ p: Point) -> Point {
                let x = p.x - t.tx, y = p.y - t.ty
                return Point(x: a * x + b * y, y: -b * x + a * y)
            }
            let mapped = faces.map { f in
                let corners = [Point(x: f.box.x, y: f.box.y), Point(x: f.box.x + f.box.width, y: f.box.y),
                               Point(x: f.box.x, y: f.box.y + f.box.height), Point(x: f.box.x + f.box.width, y: f.box.y + f.box.height)].map(back)
                let xs = corners.map(\.x), ys = corners.map(\.y)
                let box = Rectangle(x: xs.min() ?? 0, y: ys.min() ?? 0, width: (xs.max() ?? 0) - (xs.min() ?? 0), height: (ys.max() ?? 0) - (ys.min() ?? 0))
                return DetectedFace(box: box, confidence: f.confidence, landmarks: f.landmarks.map(back))
            }
            if (mapped.map(\.confidence).max() ?? 0) > (best.map(\.confidence).max() ?? 0) { best = mapped }
        }
        return best
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
