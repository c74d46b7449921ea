import Foundation

/// Why a capture scored low. Each reason names one measurable property and what an
/// operator can do about it.
public enum QualityReason: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case faceTooSmall = "face-too-small"
    case blurred
    case poseYaw = "pose-yaw"
    case posePitch = "pose-pitch"
    case poseRoll = "pose-roll"
    case underexposed
    case overexposed
    case lowContrast = "low-contrast"
    case lowDetectorConfidence = "low-detector-confidence"
    case faceCutOff = "face-cut-off"

    public var description: String {
        switch self {
        case .faceTooSmall: "the face is too small: move closer or use a higher resolution"
        case .blurred: "the face is blurred: hold still and check focus"
        case .poseYaw: "the head is turned sideways: face the camera"
        case .posePitch: "the head is tilted up or down: look straight at the camera"
        case .poseRoll: "the head is tilted to one side: hold it upright"
        case .underexposed: "the face is too dark: add light"
        case .overexposed: "the face is washed out: reduce light or glare"
        case .lowContrast: "the face has little contrast: improve lighting"
        case .lowDetectorConfidence: "the face is barely recognisable as a face"
        case .faceCutOff: "part of the face is outside the image: centre the face"
        }
    }
}

/// Capture quality of one face on a 0–100 scale, with its components and the reasons
/// for any shortfall.
///
/// Each component is a score in [0, 1]; the overall quality is 100 × their weighted
/// geometric mean, so one very poor property pulls the whole score down (a sharp but
/// half-dark face is not a good reference). Components:
/// - size: inter-ocular distance, full marks from 40 px (ISO/IEC 19794-5 asks 60 px
///   for full-frontal images; SFace works on 112×112 crops, where eyes are 35 px apart);
/// - sharpness: variance of the Laplacian of the aligned 112×112 crop;
/// - pose: yaw, pitch and roll estimated from the five landmarks;
/// - exposure: mean luma, clipped fractions and contrast of the aligned crop;
/// - confidence: the detector's score.
public struct CaptureQuality: Sendable, Codable, Hashable {
    /// Overall quality, 0–100.
    public var score: Int
    /// Component scores in [0, 1].
    public var size: Double
    public var sharpness: Double
    public var pose: Double
    public var exposure: Double
    public var confidence: Double
    /// Estimated head pose in degrees (rough, from landmarks).
    public var yawDegrees: Double
    public var pitchDegrees: Double
    public var rollDegrees: Double
    /// Inter-ocular distance in image pixels.
    public var interOcularDistance: Double
    /// Why the score is reduced, most important first.
    public var reasons: [QualityReason]
}

/// Computes ``CaptureQuality``.
struct QualityAssessor {
    static func assess(face: DetectedFace, image: DecodedImage, aligned: DecodedImage) -> CaptureQuality {
        var reasons: [QualityReason] = []
        let l = face.landmarks
        let rightEye = l[0], leftEye = l[1], nose = l[2], mouthRight = l[3], mouthLeft = l[4]
        let iod = hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y)

        // Size.
        let size = clamp((iod - 10) / 30)
        if size < 0.5 { reasons.append(.faceTooSmall) }

        // Pose from landmarks. Roll: eye-line angle. Yaw: the nose's horizontal offset
        // from the eye/mouth midline relative to half the eye distance. Pitch: where the
        // nose sits between the eye line and the mouth line (≈0.5 when frontal).
        let roll = atan2(leftEye.y - rightEye.y, leftEye.x - rightEye.x) * 180 / .pi
        let eyeMid = Point(x: (rightEye.x + leftEye.x) / 2, y: (rightEye.y + leftEye.y) / 2)
        let mouthMid = Point(x: (mouthRight.x + mouthLeft.x) / 2, y: (mouthRight.y + mouthLeft.y) / 2)
        let midX = (eyeMid.x + mouthMid.x) / 2
        let yawRatio = iod > 0 ? (nose.x - midX) / (iod / 2) : 1
        let yaw = asin(clamp(yawRatio, lower: -1, upper: 1)) * 180 / .pi
        let faceHeight = mouthMid.y - eyeMid.y
        let pitchRatio = faceHeight > 0 ? (nose.y - eyeMid.y) / faceHeight : 0
        let pitch = (pitchRatio - 0.5) * 120  // rough degrees
        let yawScore = 1 - clamp((abs(yaw) - 15) / 40)
        let pitchScore = 1 - clamp((abs(pitch) - 15) / 35)
        let rollScore = 1 - clamp((abs(roll) - 15) / 30)
        if yawScore < 0.6 { reasons.append(.poseYaw) }
        if pitchScore < 0.6 { reasons.append(.posePitch) }
        if rollScore < 0.6 { reasons.append(.poseRoll) }
        let pose = yawScore * pitchScore * rollScore

        // Photometry on the central part of the aligned crop (eyes to chin).
        var sharpness = 0.0, exposure = 0.0
        if let s = aligned.stats(x: 24, y: 32, width: 64, height: 72) {
            sharpness = clamp((log10(max(s.laplacianVariance, 1)) - 2) / 1.5)  // 100 → 0, ≥ 3160 → 1
            if sharpness < 0.4 { reasons.append(.blurred) }
            var e = 1.0
            if s.mean < 50 { e *= clamp((s.mean - 15) / 35); reasons.append(.underexposed) }
            if s.mean > 215 { e *= clamp((245 - s.mean) / 30); reasons.append(.overexposed) }
            e *= 1 - clamp((s.darkFraction + s.brightFraction - 0.1) / 0.4)
            if s.stddev < 18 { e *= clamp(s.stddev / 18); reasons.append(.lowContrast) }
            exposure = e
        }

        // Landmarks outside the image: the face is cut off.
        let outside = l.contains { $0.x < 0 || $0.y < 0 || $0.x >= Double(image.width) || $0.y >= Double(image.height) }
        if outside { reasons.append(.faceCutOff) }

        let confidence = clamp((face.confidence - 0.3) / 0.5)
        if confidence < 0.5 { reasons.append(.lowDetectorConfidence) }

        // Weighted geometric mean with a floor so one zero does not erase the others' information.
        let parts: [(Double, Double)] = [(size, 1), (sharpness, 1), (pose, 1.5), (exposure, 1), (confidence, 0.5)]
        let weight = parts.map(\.1).reduce(0, +)
        let logSum = parts.map { log(max($0.0, 0.01)) * $0.1 }.reduce(0, +)
        var score = exp(logSum / weight) * 100
        if outside { score *= 0.7 }
        return CaptureQuality(
            score: Int(score.rounded()), size: size, sharpness: sharpness, pose: pose,
            exposure: exposure, confidence: confidence, yawDegrees: yaw, pitchDegrees: pitch,
            rollDegrees: roll, interOcularDistance: iod, reasons: reasons)
    }

    private static func clamp(_ x: Double, lower: Double = 0, upper: Double = 1) -> Double {
        x.isNaN ? lower : min(upper, max(lower, x))
    }
}
