/// Colour-texture features of a face crop for passive presentation-attack detection:
/// uniform LBP(8,1) histograms of the H, S, V and Y, Cb, Cr channels of a 128 × 128 resample
/// (at 64 × 64 the resample itself blurred away the skin texture that tells a face from a print).
///
/// Prints and screens lose the fine skin texture and shift its colour statistics (paper
/// and inks, screen gamut and moiré); LBP histograms in two colour spaces catch both
/// (Boulkenafet et al., "Face anti-spoofing based on color texture analysis", 2015).
public enum ColorTextureFeatures {
    /// Side of the square the face is resampled to.
    public static let side = 128
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
        try extract(bgr: bgr, width: width, height: height, box: box, side: side)
    }

    package static func extract(bgr: [UInt8], width: Int, height: Int, box: (x: Double, y: Double, width: Double, height: Double), side n: Int) throws -> [Float] {
        let crop = try FaceCrop(bgr: bgr, width: width, height: height, box: box, side: n)
        // Six planes one after another: H, S, V, Y, Cb, Cr.
        let area = n * n
        var planes = [UInt8](repeating: 0, count: 6 * area)
        for i in 0..<area {
            let b = crop.bgr[i * 3], g = crop.bgr[i * 3 + 1], r = crop.bgr[i * 3 + 2]
            let (h, s, v) = hsv(b: b, g: g, r: r)
            let (yy, cb, cr) = ycbcr(b: b, g: g, r: r)
            planes[i] = h; planes[area + i] = s; planes[2 * area + i] = v
            planes[3 * area + i] = yy; planes[4 * area + i] = cb; planes[5 * area + i] = cr
        }
        var features: [Float] = []
        features.reserveCapacity(6 * bins)
        for k in 0..<6 { features += lbpHistogram(Array(planes[(k * area)..<((k + 1) * area)]), side: n) }
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
        var counts = [Int](repeating: 0, count: 256)
        // Neighbours clockwise from the top left, one bit each (a neighbour at least the centre sets it).
        for r in 1..<(n - 1) {
            let up = (r - 1) * n, mid = r * n, down = (r + 1) * n
            for c in 1..<(n - 1) {
                let center = p[mid + c]
                var code = p[up + c - 1] >= center ? 1 : 0
                if p[up + c] >= center { code |= 2 }
                if p[up + c + 1] >= center { code |= 4 }
                if p[mid + c + 1] >= center { code |= 8 }
                if p[down + c + 1] >= center { code |= 16 }
                if p[down + c] >= center { code |= 32 }
                if p[down + c - 1] >= center { code |= 64 }
                if p[mid + c - 1] >= center { code |= 128 }
                counts[code] += 1
            }
        }
        var histogram = [Float](repeating: 0, count: bins)
        for code in 0..<256 { histogram[uniformBin[code]] += Float(counts[code]) }
        let total = Float((n - 2) * (n - 2))
        return histogram.map { $0 / total }
    }
}
