import Foundation

/// Features of a fingerprint image that separate live skin from Ecoflex, gelatine and latex
/// casts: how clear and continuous the ridges are, how much of the print the ridges cover,
/// how much fine (pore-scale) detail survives, and how rich the local texture is.
///
/// Casts lose sweat pores and fine skin texture, break ridges where the material tore or
/// dried, and print lighter or darker than skin (Ecoflex and latex leave faint, fragmented
/// ridges) — the cues of the LivDet literature (ridge-valley clarity, spectral energy,
/// local binary patterns), each reduced to one number so that a tiny data set cannot
/// over-fit a long vector.
public enum FingerprintTextureFeatures {
    /// Names of the features, in vector order.
    public static let names = ["ridge-coherence", "ink-coverage", "high-pass-ratio", "lbp-entropy"]
    /// Length of a feature vector.
    public static let count = names.count
    /// Largest side accepted (a 1,000-dpi capture of a whole palm is about 2,000 px).
    public static let maximumSide = 2_048

    /// The features of a grey image (one byte a pixel, row-major). Images with light ridges
    /// on a dark background (inverted captures) are turned the usual way round first.
    ///
    /// - Throws: ``LivenessError`` for a buffer that does not match the size, an image under
    ///   64×64, or one with too little fingerprint area to score.
    public static func extract(grey: [UInt8], width: Int, height: Int) throws -> [Float] {
        guard width >= 64, height >= 64, grey.count == width * height else {
            throw LivenessError("a fingerprint image must be at least 64×64 with one byte a pixel (\(width)×\(height), \(grey.count) bytes)")
        }
        // Larger than any fingerprint sensor's frame: refused rather than scored slowly.
        guard width <= maximumSide, height <= maximumSide else {
            throw LivenessError("a \(width)×\(height) image is larger than a fingerprint capture (at most \(maximumSide)×\(maximumSide))")
        }
        var image = grey.map(Double.init)
        // Polarity: the background (image border) should be light.
        var border: [Double] = []
        for x in 0..<width { border.append(image[x]); border.append(image[(height - 1) * width + x]) }
        for y in 0..<height { border.append(image[y * width]); border.append(image[y * width + width - 1]) }
        border.sort()
        if border[border.count / 2] < 128 { image = image.map { 255 - $0 } }

        // Foreground: 16×16 blocks with enough contrast to hold ridges.
        let block = 16, bw = width / block, bh = height / block
        var mask = [Bool](repeating: false, count: width * height)
        var blocks = 0
        for by in 0..<bh {
            for bx in 0..<bw {
                var s = 0.0, s2 = 0.0
                for y in (by * block)..<((by + 1) * block) {
                    for x in (bx * block)..<((bx + 1) * block) { let v = image[y * width + x]; s += v; s2 += v * v }
                }
                let n = Double(block * block), variance = s2 / n - (s / n) * (s / n)
                guard variance > 400 else { continue }  // standard deviation over 20 grey levels
                blocks += 1
                for y in (by * block)..<((by + 1) * block) { for x in (bx * block)..<((bx + 1) * block) { mask[y * width + x] = true } }
            }
        }
        guard blocks * 20 >= bw * bh else {
            throw LivenessError("too little fingerprint area to score (\(blocks) of \(bw * bh) blocks hold ridges)")
        }

        let smooth = boxFilter(image, width: width, height: height, radius: 1)
        // Ridge coherence: how well one orientation explains the gradients in a 15×15 window.
        var gxx = [Double](repeating: 0, count: width * height), gyy = gxx, gxy = gxx
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                let i = y * width + x
                let gx = (smooth[i + 1] - smooth[i - 1]) / 2, gy = (smooth[i + width] - smooth[i - width]) / 2
                gxx[i] = gx * gx; gyy[i] = gy * gy; gxy[i] = gx * gy
            }
        }
        let sxx = boxFilter(gxx, width: width, height: height, radius: 7)
        let syy = boxFilter(gyy, width: width, height: height, radius: 7)
        let sxy = boxFilter(gxy, width: width, height: height, radius: 7)

        var pixels = 0.0, coherence = 0.0, ink = 0.0, sum = 0.0, sum2 = 0.0, highPass = 0.0
        var lbp = [Double](repeating: 0, count: 256)
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                let i = y * width + x
                guard mask[i] else { continue }
                pixels += 1
                let v = image[i]
                sum += v; sum2 += v * v
                if v < 128 { ink += 1 }
                let d = v - smooth[i]
                highPass += d * d
                let energy = sxx[i] + syy[i]
                if energy > 1e-9 { coherence += ((sxx[i] - syy[i]) * (sxx[i] - syy[i]) + 4 * sxy[i] * sxy[i]).squareRoot() / energy }
                var code = 0
                for (bit, (dy, dx)) in neighbours.enumerated() where image[(y + dy) * width + x + dx] >= v { code |= 1 << bit }
                lbp[code] += 1
            }
        }
        let variance = max(sum2 / pixels - (sum / pixels) * (sum / pixels), 1e-9)
        var entropy = 0.0
        for c in lbp where c > 0 { let p = c / pixels; entropy -= p * log2(p) }
        return [Float(coherence / pixels), Float(ink / pixels), Float(highPass / pixels / variance), Float(entropy / 8)]
    }

    static let neighbours = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]

    /// Mean over a (2r+1)² window, clamped at the border, through an integral image.
    static func boxFilter(_ p: [Double], width: Int, height: Int, radius r: Int) -> [Double] {
        var integral = [Double](repeating: 0, count: (width + 1) * (height + 1))
        for y in 0..<height {
            var row = 0.0
            for x in 0..<width {
                row += p[y * width + x]
                integral[(y + 1) * (width + 1) + x + 1] = integral[y * (width + 1) + x + 1] + row
            }
        }
        var out = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            let y0 = max(0, y - r), y1 = min(height, y + r + 1)
            for x in 0..<width {
                let x0 = max(0, x - r), x1 = min(width, x + r + 1)
                let s = integral[y1 * (width + 1) + x1] - integral[y0 * (width + 1) + x1] - integral[y1 * (width + 1) + x0] + integral[y0 * (width + 1) + x0]
                out[y * width + x] = s / Double((y1 - y0) * (x1 - x0))
            }
        }
        return out
    }
}
