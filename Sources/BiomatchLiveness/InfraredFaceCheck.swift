/// What the near-infrared image of a face region shows.
public struct InfraredAssessment: Sendable, Hashable, Codable {
    /// Mean grey level of the region, 0–1.
    public var brightness: Double
    /// Standard deviation over mean: the shading of a relief under the camera's own light.
    public var contrast: Double
    /// Share of the region's variance in pixel-scale detail (difference from a 3×3 mean).
    public var highPassRatio: Double
    /// The verdict: bright enough, shaded, and smooth.
    public var isSkinLike: Bool
    /// A 0–1 score for fusion; 0.5 is where the weakest cue meets its threshold.
    public var score: Double
}

/// Scores whether the near-infrared (≈ 850 nm) image of a face region looks like skin under
/// the camera's own illuminator.
///
/// Skin reflects near-infrared strongly and scatters it under the surface, so a live face is
/// bright, smoothly shaded by its relief and poor in pixel-scale detail. A phone or monitor
/// emits no near-infrared and reflects little: the face region is dark. Most inks are
/// transparent in near-infrared, so a printed face nearly vanishes into uniformly bright
/// paper (no shading); carbon-based toner shows as halftone dots (pixel-scale detail).
/// The thresholds are physical rules of thumb checked on synthetic images only — no
/// labelled infrared data was available; a deployment calibrates them on its own camera.
public enum InfraredFaceCheck {
    /// Least mean brightness (0–1) of a live face under the illuminator.
    public static let minimumBrightness = 0.2
    /// Least contrast (standard deviation over mean) of a shaded relief.
    public static let minimumContrast = 0.08
    /// Most pixel-scale share of the variance (halftone and screen-door patterns exceed it).
    public static let maximumHighPass = 0.15

    /// Assesses the rectangle (`x`, `y`, `boxWidth`, `boxHeight`) of an infrared image.
    ///
    /// - Throws: ``LivenessError`` for a rectangle outside the image or smaller than 16×16.
    public static func assess(_ image: GreyImage, x: Int, y: Int, boxWidth: Int, boxHeight: Int) throws -> InfraredAssessment {
        let (grey, width, height) = (image.pixels, image.width, image.height)
        guard x >= 0, y >= 0, boxWidth >= 16, boxHeight >= 16, x + boxWidth <= width, y + boxHeight <= height else {
            throw LivenessError("the face box \(x),\(y) \(boxWidth)×\(boxHeight) is not inside the \(width)×\(height) infrared image, or smaller than 16×16")
        }
        var sum = 0.0, sum2 = 0.0, detail = 0.0, n = 0.0
        for row in (y + 1)..<(y + boxHeight - 1) {
            for col in (x + 1)..<(x + boxWidth - 1) {
                let v = Double(grey[row * width + col])
                var local = 0.0
                for dy in -1...1 { for dx in -1...1 { local += Double(grey[(row + dy) * width + col + dx]) } }
                let d = v - local / 9
                sum += v; sum2 += v * v; detail += d * d; n += 1
            }
        }
        let mean = sum / n, variance = max(0, sum2 / n - mean * mean)
        let brightness = mean / 255
        let contrast = mean > 0 ? variance.squareRoot() / mean : 0
        let highPass = variance > 1e-9 ? detail / n / variance : 1
        // Each cue as a margin: 0.5 at its threshold, 1 at twice as far on the live side.
        let margins = [min(1, brightness / (2 * minimumBrightness)),
                       min(1, contrast / (2 * minimumContrast)),
                       max(0, min(1, 1 - highPass / (2 * maximumHighPass)))]
        let score = margins.min() ?? 0
        return InfraredAssessment(brightness: brightness, contrast: contrast, highPassRatio: highPass,
                                  isSkinLike: brightness >= minimumBrightness && contrast >= minimumContrast && highPass <= maximumHighPass,
                                  score: score)
    }
}
