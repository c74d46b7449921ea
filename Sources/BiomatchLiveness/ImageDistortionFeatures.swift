import Foundation

/// Image-distortion features of a face crop for passive presentation-attack detection
/// (after Wen, Han and Jain, "Face spoof detection with image distortion analysis", 2015):
/// what a print or a screen does to an image whatever the person in it.
///
/// - specular reflection: share, mean and spread of the brightest low-saturation pixels
///   (glossy paper and glass reflect as a surface, skin does not);
/// - blur: how little a further blur changes the image, and the Laplacian's energy against
///   the contrast (a recaptured image has lost its finest detail);
/// - chromatic moments: mean, spread and skewness of H, S and V, and the share of pixels in
///   each channel's emptiest and fullest bin (inks and screens have narrower gamuts);
/// - colour diversity: how many distinct colours (32 levels a channel) there are and how
///   much of the face its 100 commonest colours cover.
///
/// Every feature is scale-free (shares, ratios, moments of 0–1 values), so the crop size and
/// exposure of the camera matter less than the presentation.
public enum ImageDistortionFeatures {
    /// Side of the square the face is resampled to.
    public static let side = 96
    /// Length of a feature vector.
    public static let count = 22

    /// The features of the face in `box` of a BGR image (the box enlarged by a fifth, as the
    /// colour-texture features take it).
    ///
    /// - Throws: ``LivenessError`` for a pixel buffer that does not match the size, or a box
    ///   that does not overlap the image.
    public static func extract(bgr: [UInt8], width: Int, height: Int, box: (x: Double, y: Double, width: Double, height: Double)) throws -> [Float] {
        let crop = try FaceCrop(bgr: bgr, width: width, height: height, box: box, side: side)
        return features(crop.bgr, side: side)
    }

    /// The features of a `side` × `side` BGR crop (values 0–255).
    static func features(_ p: [Double], side n: Int) -> [Float] {
        let count = n * n
        var h = [Double](repeating: 0, count: count), s = h, v = h, grey = h, minimum = h
        for i in 0..<count {
            let b = p[i * 3] / 255, g = p[i * 3 + 1] / 255, r = p[i * 3 + 2] / 255
            let mx = max(r, g, b), mn = min(r, g, b), d = mx - mn
            var hue = 0.0
            if d > 0 {
                if mx == r { hue = (g - b) / d } else if mx == g { hue = 2 + (b - r) / d } else { hue = 4 + (r - g) / d }
                hue = (hue / 6).truncatingRemainder(dividingBy: 1)
                if hue < 0 { hue += 1 }
            }
            h[i] = hue; s[i] = mx > 0 ? d / mx : 0; v[i] = mx
            grey[i] = 0.299 * r + 0.587 * g + 0.114 * b
            minimum[i] = mn
        }
        var out: [Float] = []
        out.reserveCapacity(Self.count)

        // Specular reflection: bright pixels whose darkest channel is high too (white
        // highlights), above 1.5 × the mean of the darkest channel.
        let meanMinimum = minimum.reduce(0, +) / Double(count)
        let specular = (0..<count).filter { minimum[$0] > min(0.98, 1.5 * meanMinimum) && s[$0] < 0.3 }
        let specularShare = Double(specular.count) / Double(count)
        let specularValues = specular.map { v[$0] }
        let (specularMean, specularSpread, _) = moments(specularValues)
        out += [Float(specularShare), Float(specularMean), Float(specularSpread)]

        // Blur: the share of the gradient a 1×9 box blur removes (Crete et al.), and the
        // Laplacian's mean magnitude against the grey level's spread.
        var gradient = 0.0, lost = 0.0
        let blurred = boxBlur(grey, side: n, radius: 4)
        for r in 0..<n {
            for c in 1..<n {
                let i = r * n + c
                let dOriginal = abs(grey[i] - grey[i - 1]), dBlurred = abs(blurred[i] - blurred[i - 1])
                gradient += dOriginal
                lost += max(0, dOriginal - dBlurred)
            }
        }
        var laplacian = 0.0
        for r in 1..<(n - 1) {
            for c in 1..<(n - 1) {
                let i = r * n + c
                laplacian += abs(4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - n] - grey[i + n])
            }
        }
        laplacian /= Double((n - 2) * (n - 2))
        let (_, greySpread, _) = moments(grey)
        out += [Float(gradient > 0 ? lost / gradient : 0), Float(laplacian / max(greySpread, 1e-3))]

        // Chromatic moments and the emptiest and fullest bins of each HSV channel.
        for channel in [h, s, v] {
            let (mean, spread, skew) = moments(channel)
            var histogram = [Int](repeating: 0, count: 32)
            for x in channel { histogram[min(31, Int(x * 32))] += 1 }
            out += [Float(mean), Float(spread), Float(skew),
                    Float(Double(histogram.min() ?? 0) / Double(count)), Float(Double(histogram.max() ?? 0) / Double(count))]
        }

        // Colour diversity over 32 levels a channel.
        var colours = [Int32](repeating: 0, count: 1 << 15)
        for i in 0..<count {
            let key = (Int(p[i * 3]) >> 3) << 10 | (Int(p[i * 3 + 1]) >> 3) << 5 | (Int(p[i * 3 + 2]) >> 3)
            colours[key] += 1
        }
        let present = colours.filter { $0 > 0 }
        let commonest = present.sorted(by: >).prefix(100).reduce(0) { $0 + Int($1) }
        out += [Float(Double(present.count) / Double(count)), Float(Double(commonest) / Double(count))]
        return out
    }

    /// Mean, standard deviation and skewness (0 for fewer than two values or no spread).
    static func moments(_ x: [Double]) -> (Double, Double, Double) {
        guard x.count >= 2 else { return (x.first ?? 0, 0, 0) }
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0
        for value in x { let d = value - mean; m2 += d * d; m3 += d * d * d }
        m2 /= n; m3 /= n
        let spread = m2.squareRoot()
        return (mean, spread, spread > 1e-9 ? m3 / (spread * spread * spread) : 0)
    }

    /// Horizontal box blur of radius `radius`, clamped at the edges (a running sum per row).
    static func boxBlur(_ p: [Double], side n: Int, radius: Int) -> [Double] {
        var out = [Double](repeating: 0, count: p.count)
        let width = Double(2 * radius + 1)
        for r in 0..<n {
            let row = r * n
            var sum = 0.0
            for k in -radius...radius { sum += p[row + min(n - 1, max(0, k))] }
            for c in 0..<n {
                out[row + c] = sum / width
                sum += p[row + min(n - 1, c + radius + 1)] - p[row + max(0, c - radius)]
            }
        }
        return out
    }
}

/// A square face crop, resampled bilinearly from a BGR image: the face box enlarged by a
/// fifth around its centre (so the face's edge against the background is in it), clamped
/// at the image border. Shared by the passive face features.
struct FaceCrop {
    /// side × side × 3 BGR values, 0–255.
    var bgr: [Double]

    init(bgr image: [UInt8], width: Int, height: Int, box: (x: Double, y: Double, width: Double, height: Double), side n: Int) throws {
        guard width > 0, height > 0, image.count == width * height * 3 else {
            throw LivenessError("a \(width)×\(height) BGR image needs \(width * height * 3) bytes, not \(image.count)")
        }
        let grow = 0.2
        let side = max(box.width, box.height) * (1 + grow)
        let x0 = box.x + box.width / 2 - side / 2, y0 = box.y + box.height / 2 - side / 2
        guard side >= 8, x0 < Double(width), y0 < Double(height), x0 + side > 0, y0 + side > 0 else {
            throw LivenessError("the face box does not overlap the \(width)×\(height) image")
        }
        var out = [Double](repeating: 0, count: n * n * 3)
        let step = side / Double(n)
        // Source columns and weights, the same for every row.
        var left = [Int](repeating: 0, count: n), right = left, weight = [Double](repeating: 0, count: n)
        for c in 0..<n {
            let sx = min(max(x0 + (Double(c) + 0.5) * step - 0.5, 0), Double(width - 1))
            left[c] = Int(sx) * 3; right[c] = min(Int(sx) + 1, width - 1) * 3; weight[c] = sx - Double(Int(sx))
        }
        for r in 0..<n {
            let sy = min(max(y0 + (Double(r) + 0.5) * step - 0.5, 0), Double(height - 1))
            let top = Int(sy) * width * 3, bottom = min(Int(sy) + 1, height - 1) * width * 3, fy = sy - Double(Int(sy))
            for c in 0..<n {
                let fx = weight[c], o = (r * n + c) * 3
                for k in 0..<3 {
                    let a = Double(image[top + left[c] + k]), b = Double(image[top + right[c] + k])
                    let cc = Double(image[bottom + left[c] + k]), d = Double(image[bottom + right[c] + k])
                    out[o + k] = (a * (1 - fx) + b * fx) * (1 - fy) + (cc * (1 - fx) + d * fx) * fy
                }
            }
        }
        bgr = out
    }
}
