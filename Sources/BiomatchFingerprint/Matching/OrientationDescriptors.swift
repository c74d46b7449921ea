import BiomatchKernels
import Foundation

/// Orientation-based minutia descriptors (Tico and Kuosmanen, "Fingerprint matching using
/// an orientation-based minutia descriptor", IEEE TPAMI 25(8), 2003): around each
/// minutia, the ridge orientation sampled on four circles, relative to the minutia's own
/// direction, so that two minutiae compare without any alignment.
///
/// A cylinder describes a minutia by its neighbours; where a print has few minutiae (dry,
/// partial or faint captures) its cylinders are nearly empty and chance matches abound.
/// The ridge flow around a minutia is there whatever the minutiae count, so the matcher
/// weights every cylinder similarity by how well the two flows agree (the mean agreement of
/// the samples inside both prints, to the fourth power; see
/// ``CylinderKernels/localSimilarities(_:_:minimumMatchableCells:minimumDirectionCosine:orientation:aOrientation:bOrientation:into:)``),
/// and the 1:N first stage weights its votes the same way.
enum OrientationDescriptors {
    /// Circle radii in 500-dpi pixels: the paper's 27, 45, 63 and 81, scaled by 1.2 (on
    /// FVC2002 B, with exact cos 2Δα weights: mean 1 − AUC 0.28 % at 1.2, 0.31 % at 1.0,
    /// 0.41 % at 0.85 and 0.27 % at 1.4).
    static let radii: [Double] = [32.4, 54, 75.6, 97.2]
    /// Samples per circle (the paper's).
    static let counts = [10, 16, 22, 28]
    /// Samples per minutia.
    static let samples = 76
    /// Samples that must lie inside both prints for a comparison to count (a quarter).
    static let minimumShared = 19
    /// The agreement assumed where too few samples are shared, or a template has no field.
    static let neutralAgreement: Float = 0.8

    /// These settings for the full matcher.
    static let weighting = OrientationWeighting(minimumShared: minimumShared, neutral: neutralAgreement)
    /// The 1:N first stage's settings: its descriptors are cut to the inner samples
    /// (``firstStageWords``), so fewer need be shared.
    static let firstStageWeighting = OrientationWeighting(minimumShared: 8, neutral: neutralAgreement)
    /// Words of codes the first stage keeps per descriptor: the first 32 samples (the two
    /// inner circles and part of the third), a 32-byte descriptor that streams cheaply.
    static let firstStageWords = 2

    /// Orientation levels a sample is quantised to (of the doubled angle, over 360°): each
    /// sample is a circular thermometer code of `levels / 2` bits. Eight levels (22.5° of
    /// orientation) measured best on FVC2002 B: mean 1 − AUC 0.21 %, against 0.35 % with 4 levels, 0.22 % with 16 and 0.26 % for the exact cos 2Δα.
    static let levels = 8
    /// Bits per sample.
    static var bits: Int { levels / 2 }
    /// Words per descriptor (codes; as many again for validity).
    static var words: Int { (samples * bits + 63) / 64 }

    /// The circular thermometer code of level `v` (0 ..< levels): bit i is set when v is
    /// within `bits` levels at or after i, so codes of levels k apart differ in min(k, levels − k) bits.
    static func thermometer(_ v: Int) -> UInt64 {
        var code: UInt64 = 0
        for i in 0..<bits where ((v - i) % levels + levels) % levels < bits { code |= 1 << UInt64(i) }
        return code
    }

    /// Descriptors of `points` (500-dpi coordinates) on `field`.
    static func samples(of points: [MatchPoint], field: OrientationField) -> OrientationSamples {
        let side = Double(OrientationField.blockSize)
        let words = self.words, bits = self.bits
        let codes = (0..<levels).map(thermometer)
        let full: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        var storage = [UInt64](repeating: 0, count: points.count * 2 * words)
        for (n, p) in points.enumerated() {
            var t = 0
            for (r, count) in zip(radii, counts) {
                for k in 0..<count {
                    defer { t += 1 }
                    let a = p.direction + 2 * .pi * Double(k) / Double(count)
                    let x = p.x + r * cos(a), y = p.y + r * sin(a)
                    guard x >= 0, y >= 0, Int(x / side) < field.columns, Int(y / side) < field.rows else { continue }
                    let code = field.codes[Int(y / side) * field.columns + Int(x / side)]
                    guard code != OrientationField.background else { continue }
                    // The doubled angle of the field relative to the minutia, as a level.
                    var doubled = 2 * (Double(code) * .pi / 180 - p.direction)
                    doubled = doubled.truncatingRemainder(dividingBy: 2 * .pi)
                    if doubled < 0 { doubled += 2 * .pi }
                    let level = Int((doubled / (2 * .pi) * Double(levels)).rounded()) % levels
                    let bit = t * bits
                    storage[n * 2 * words + bit / 64] |= codes[level] << UInt64(bit % 64)
                    storage[n * 2 * words + words + bit / 64] |= full << UInt64(bit % 64)
                }
            }
        }
        return OrientationSamples(wordsPerMinutia: words, bitsPerSample: bits, storage: storage)
    }
}
