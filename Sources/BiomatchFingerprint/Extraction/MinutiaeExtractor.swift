import Foundation
import Logging

/// Image → minutiae template.
///
/// OpenCV (through the bridge) does the pixel work at 500 dpi: segmentation, orientation
/// field, local ridge period, contextual Gabor enhancement (one kernel per pixel, tuned to
/// its orientation and period), a response quality mask, binarisation and thinning. This type then finds
/// minutiae on the skeleton by crossing number, traces each one's ridges to fix its
/// direction, removes false minutiae (near the border, short spurs and ridges, bridges and
/// holes, broken-ridge pairs, clusters) and scores quality. Stateless and thread-safe.
public struct MinutiaeExtractor: Sendable {
    /// Tunable settings; the defaults are the evaluated configuration.
    public struct Options: Sendable {
        /// Orientation bins of the contextual Gabor kernels (over 180°).
        public var orientationBins = 16
        /// Minutiae closer than this to the background (500-dpi pixels) are dropped.
        public var borderMargin: Float = 6
        /// Ridges shorter than this between two minutiae (500-dpi pixels) are artefacts.
        public var shortRidge = 8
        /// Fewer minutiae than this is a failure to acquire.
        public var minimumMinutiae = 6
        public init() {}
    }

    /// The settings used.
    public let options: Options
    private let logger = Logger(label: "biomatch.fingerprint.extractor")

    /// Creates an extractor.
    public init(options: Options = Options()) { self.options = options }

    /// Extracts the template of one fingerprint image.
    /// - Throws: ``FingerprintError/Code/noFingerprint`` when no usable ridge area or too few minutiae are found.
    public func extract(_ image: FingerprintImage) throws(FingerprintError) -> FingerprintTemplate {
        let maps = try RidgeMaps(image: image, orientationBins: options.orientationBins)
        guard maps.foregroundFraction > 0.05 else {
            throw FingerprintError(.noFingerprint, "no ridge area found (foreground \(Int(maps.foregroundFraction * 100)) % of the image)")
        }
        var detector = MinutiaeDetector(maps: maps, options: options)
        let found = detector.detect()
        guard found.count >= options.minimumMinutiae else {
            throw FingerprintError(.noFingerprint, "only \(found.count) minutiae found (at least \(options.minimumMinutiae) needed); recapture the finger")
        }
        let s = Float(maps.sourceScale)
        let minutiae = found.map { m in
            Minutia(x: m.x * s, y: m.y * s, direction: m.direction, kind: m.kind, quality: m.quality)
        }
        let quality = Self.fingerQuality(maps: maps, minutiae: found.count)
        logger.debug("extracted template", metadata: ["minutiae": "\(minutiae.count)", "quality": "\(quality)"])
        return FingerprintTemplate(width: image.width, height: image.height, dpi: image.dpi, quality: quality, minutiae: minutiae,
                                   orientationField: Self.orientationField(maps: maps))
    }

    /// The block orientation field: per block, the doubled-angle mean of the pixel field
    /// over the block's print pixels; a block less than half print is background.
    static func orientationField(maps: RidgeMaps) -> OrientationField? {
        let side = OrientationField.blockSize
        let columns = min(255, (maps.width + side - 1) / side), rows = min(255, (maps.height + side - 1) / side)
        var codes = [UInt8](repeating: OrientationField.background, count: columns * rows)
        for by in 0..<rows {
            for bx in 0..<columns {
                var c: Float = 0, s: Float = 0
                var inside = 0
                for y in (by * side)..<min(maps.height, (by + 1) * side) {
                    for x in (bx * side)..<min(maps.width, (bx + 1) * side) {
                        let p = y * maps.width + x
                        guard maps.mask[p] != 0 else { continue }
                        c += cos(2 * maps.orientation[p])
                        s += sin(2 * maps.orientation[p])
                        inside += 1
                    }
                }
                guard inside * 2 >= side * side, c != 0 || s != 0 else { continue }
                var degrees = Int((atan2(s, c) * 90 / .pi).rounded())
                degrees = ((degrees % 180) + 180) % 180
                codes[by * columns + bx] = UInt8(degrees)
            }
        }
        return OrientationField(columns: columns, rows: rows, codes: codes)
    }

    /// Median ridge period, in pixels at 500 dpi, that this extractor measures on prints
    /// from sensors of known resolution: 7.9 on FVC2002 DB1_B (500 dpi) and 8.4 on DB2_B
    /// (569 dpi, rescaled). Hong, Wan and Jain (IEEE TPAMI 20(8), 1998) give about 9 for
    /// 500-dpi prints in general. Every spatial setting of the pipeline is tuned at this scale.
    public static let nominalRidgePeriod = 8.0

    /// The resolution, in dots per inch, at which `image`'s median ridge period is
    /// ``nominalRidgePeriod`` pixels at 500 dpi: an estimate of the true resolution of prints
    /// whose stated one is missing or wrong (a dataset resampled after capture). Fingers
    /// and sensors differ in ridge spacing (FVC2002 DB1_B, a 500-dpi sensor: 461–566 dpi
    /// from the 10th to the 90th percentile; DB3_B's 500-dpi capacitive prints: median 403),
    /// so use it where no resolution is stated, as the median over many prints of one source.
    /// - Throws: ``FingerprintError/Code/noFingerprint`` when no usable ridge area is found.
    public func estimatedResolution(of image: FingerprintImage) throws(FingerprintError) -> Double {
        let maps = try RidgeMaps(image: image, orientationBins: options.orientationBins)
        guard maps.foregroundFraction > 0.05, maps.ridgePeriod > 0 else {
            throw FingerprintError(.noFingerprint, "no ridge area found to measure the ridge period on")
        }
        return 500 * maps.ridgePeriod * maps.sourceScale / Self.nominalRidgePeriod
    }

    /// The working-resolution skeleton and mask as a PGM image (white ridges, grey
    /// background outside the mask), for inspecting the enhancement stage.
    ///
    /// - Throws: ``FingerprintError`` when the image holds too little fingerprint to enhance.
    public func skeletonImage(_ image: FingerprintImage) throws(FingerprintError) -> [UInt8] {
        let maps = try RidgeMaps(image: image, orientationBins: options.orientationBins)
        var pgm = Array("P5\n\(maps.width) \(maps.height)\n255\n".utf8)
        for i in 0..<maps.skeleton.count {
            pgm.append(maps.skeleton[i] != 0 ? 255 : (maps.mask[i] == 0 ? 96 : (maps.binary[i] != 0 ? 160 : 0)))
        }
        return pgm
    }

    /// Overall quality 0–100: mean ridge-flow coherence over the foreground, scaled by how
    /// much usable area the capture has (a 500-dpi finger covers about 60,000 pixels).
    static func fingerQuality(maps: RidgeMaps, minutiae: Int) -> Int {
        var sum: Double = 0
        var count = 0
        for i in 0..<maps.mask.count where maps.mask[i] != 0 {
            sum += Double(maps.coherence[i])
            count += 1
        }
        guard count > 0 else { return 0 }
        let coherence = sum / Double(count)
        let area = min(1, Double(count) / 60_000)
        let richness = min(1, Double(minutiae) / 25)
        return Int((100 * min(1, coherence / 0.7) * area.squareRoot() * richness.squareRoot()).rounded())
    }
}
