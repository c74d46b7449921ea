/// Colour-texture features of a face crop for passive presentation-attack detection:
/// uniform LBP(8,1) histograms of the H, S, V and Y, Cb, Cr channels.
///
/// Prints and screens lose the fine skin texture and shift its colour statistics (paper
/// and inks, screen gamut and moiré); LBP histograms in two colour spaces catch both
/// (Boulkenafet et al., "Face anti-spoofing based on color texture analysis", 2015).
public enum ColorTextureFeatures {
    /// Side of the square the face is resampled to.
    public static let side = 64
    /// Bins of one uniform LBP(8,1) histogram (58 uniform patterns and one for the rest).
    static let bins = 59
    /// Length of a feature vector: six channels of one histogram each.
    public static let count = 6 * bins

    /// The features of the face in `box` (x, y, width, height, pixels) of a BGR image, the box
    /// enlarged by a fifth so the face's edge against the background is included.
    ///
    /// - Throws: ``LivenessError`` for a pixel buffer that does not match the size, or a
    ///   box that does not overlap the image.
    public static func extract(bgr: [UInt8], width: Int, height: Int, box: (x: Double, y: Double, width: Double, height: Double)) throws -> [Float] {
        guard width > 0, height > 0, bgr.count == width * height * 3 else {
            throw LivenessError("a \(width)×\(height) BGR image needs \(width * height * 3) bytes, not \(bgr.count)")
        }
        let grow = 0.2
        let side = max(box.width, box.height) * (1 + grow)
        let x0 = box.x + box.width / 2 - side / 2, y0 = box.y + box.height / 2 - side / 2
        guard side >= 8, x0 < Double(width), y0 < Double(height), x0 + side > 0, y0 + side > 0 else {
            throw LivenessError("the face box does not overlap the \(width)×\(height) image")
        }
        // Bilinear resample to side × side, clamped at the image border.
        let n = Self.side
        var channels = [[UInt8]](repeating: [UInt8](repeating: 0, count: n * n), count: 6)
        let step = side / Double(n)
        for r in 0..<n {
            let sy = min(max(y0 + (Double(r) + 0.5) * step - 0.5, 0), Double(height - 1))
            let y1 = Int(sy), y2 = min(y1 + 1, height - 1), fy = sy - Double(y1)
            for c in 0..<n {
                let sx = min(max(x0 + (Double(c) + 0.5) * step - 0.5, 0), Double(width - 1))
                let x1 = Int(sx), x2 = min(x1 + 1, width - 1), fx = sx - Double(x1)
                var bgrValue = [0.0, 0.0, 0.0]
                for k in 0..<3 {
                    let a = Double(bgr[(y1 * width + x1) * 3 + k]), b = Double(bgr[(y1 * width + x2) * 3 + k])
                    let cc = Double(bgr[(y2 * width + x1) * 3 + k]), d = Double(bgr[(y2 * width + x2) * 3 + k])
                    bgrValue[k] = (a * (1 - fx) + b * fx) * (1 - fy) + (cc * (1 - fx) + d * fx) * fy
                }
                let (h, s, v) = hsv(b: bgrValue[0], g: bgrValue[1], r: bgrValue[2])
                let (yy, cb, cr) = ycbcr(b: bgrValue[0], g: bgrValue[1], r: bgrValue[2])
                let i = r * n + c
                channels[0][i] = h; channels[1][i] = s; channels[2][i] = v
                channels[3][i] = yy; channels[4][i] = cb; channels[5][i] = cr
            }
        }
        var features: [Float] = []
        features.reserveCapacity(count)
        for channel in channels { features += lbpHistogram(channel, side: n) }
        return features
    }

    /// HSV with every component scaled to 0–255 (hue over the full circle).
    static func hsv(b: Double, g: Double, r: Double) -> (UInt8, UInt8, UInt8) {
        let mx = max(r, g, b), mn = min(r, g, b), d = mx - mn
        var h = 0.0
        if d > 0 {
            if mx == r { h = (g - b) / d } else if mx == g { h = 2 + (b - r) / d } else { h = 4 + (r - g) / d }
            h = (h / 6).truncatingRemainder(dividingBy: 1)
            if h < 0 { h += 1 }
        }
        let s = mx > 0 ? d / mx : 0
        return (UInt8(min(255, h * 255)), UInt8(min(255, s * 255)), UInt8(min(255, mx)))
    }

    /// YCbCr (ITU-R BT.601, full range).
    static func ycbcr(b: Double, g: Double, r: Double) -> (UInt8, UInt8, UInt8) {
        let y = 0.299 * r + 0.587 * g + 0.114 * b
        let cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
        let cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
        func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        return (clamp(y), clamp(cb), clamp(cr))
    }

    /// Maps each 8-bit LBP code to its uniform bin (0–57) or 58 for non-uniform codes.
    static let uniformBin: [Int] = {
        var table = [Int](repeating: 58, count: 256)
        var next = 0
        for code in 0..<256 {
            var transitions = 0
            for bit in 0..<8 where ((code >> bit) & 1) != ((code >> ((bit + 1) % 8)) & 1) { transitions += 1 }
            if transitions <= 2 { table[code] = next; next += 1 }
        }
        return table
    }()

    /// Normalised uniform LBP(8,1) histogram of the interior pixels.
    static func lbpHistogram(_ p: [UInt8], side n: Int) -> [Float] {
        var histogram = [Float](repeating: 0, count: bins)
        let offsets = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
        for r in 1..<(n - 1) {
            for c in 1..<(n - 1) {
                let center = p[r * n + c]
                var code = 0
                for (bit, (dr, dc)) in offsets.enumerated() where p[(r + dr) * n + c + dc] >= center { code |= 1 << bit }
                histogram[uniformBin[code]] += 1
            }
        }
        let total = Float((n - 2) * (n - 2))
        return histogram.map { $0 / total }
    }
}
