/// The passive face PAD's feature vector: colour texture (``ColorTextureFeatures``, uniform
/// LBP of six colour channels on a 128 × 128 resample) followed by image distortion
/// (``ImageDistortionFeatures``: specular reflection, blur, chromatic moments, colour
/// diversity). Texture tells a print's paper and ink from skin; the distortion features say
/// what recapture did to the image whoever is in it, and carried the model across people:
/// leave-one-subject-out on NUAA 0001–0006, at each fold's APCER-5 % threshold the mean
/// BPCER over subjects fell from 0.044 (texture alone, 64 × 64) to 0.018 and BPCER20 from
/// 0.009 to 0.000.
public enum PassiveFaceFeatures {
    /// Length of a feature vector.
    public static let count = ColorTextureFeatures.count + ImageDistortionFeatures.count

    /// The features of the face in `box` (x, y, width, height, pixels) of a BGR image.
    ///
    /// - Throws: ``LivenessError`` for a pixel buffer that does not match the size, or a box
    ///   that does not overlap the image.
    public static func extract(bgr: [UInt8], width: Int, height: Int, box: (x: Double, y: Double, width: Double, height: Double)) throws -> [Float] {
        try ColorTextureFeatures.extract(bgr: bgr, width: width, height: height, box: box)
            + ImageDistortionFeatures.extract(bgr: bgr, width: width, height: height, box: box)
    }
}
