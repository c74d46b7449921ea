import Foundation

extension FingerprintTemplate {
    /// A plausible other impression of the same finger, for growing real-derived galleries
    /// and distractor sets: rotated (±25°) and shifted (±25 px) as a whole, each minutia
    /// jittered (±2 px, ±6°), about 15 % dropped and 3 spurious ones added; the orientation
    /// field turned and shifted with it. Deterministic for a seed.
    public func perturbed(seed: UInt64) -> FingerprintTemplate {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func unit() -> Float {  // xorshift64*, uniform in [0, 1)
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Float((state &* 0x2545_F491_4F6C_DD1D) >> 40) / Float(1 << 24)
        }
        func centred() -> Float { unit() * 2 - 1 }
        let angle = centred() * 25 * .pi / 180
        let dx = centred() * 25, dy = centred() * 25
        let cx = Float(width) / 2, cy = Float(height) / 2
        let c = cos(angle), s = sin(angle)
        var out: [Minutia] = []
        for m in minutiae where unit() >= 0.15 {
            let x = m.x - cx, y = m.y - cy
            var d = m.direction + angle + centred() * 6 * .pi / 180
            d = d.truncatingRemainder(dividingBy: 2 * .pi)
            if d < 0 { d += 2 * .pi }
            out.append(Minutia(x: c * x - s * y + cx + dx + centred() * 2, y: s * x + c * y + cy + dy + centred() * 2,
                               direction: d, kind: m.kind, quality: m.quality))
        }
        for _ in 0..<3 {
            out.append(Minutia(x: unit() * Float(width), y: unit() * Float(height), direction: unit() * 2 * .pi,
                               kind: .ridgeEnding, quality: 20))
        }
        let field = orientationField.map { $0.moved(rotation: Double(angle), centre: (Double(cx), Double(cy)),
                                                    shift: (Double(dx), Double(dy)), sourceScale: Double(dpi) / 500) }
        return FingerprintTemplate(width: width, height: height, dpi: dpi, quality: quality, minutiae: out, orientationField: field)
    }
}

extension OrientationField {
    /// The field of the print turned by `rotation` about `centre` and then shifted by
    /// `shift` (both in source pixels, `sourceScale` source pixels per 500-dpi pixel), on
    /// the same grid: each block takes the code of the block it came from, turned.
    func moved(rotation: Double, centre: (Double, Double), shift: (Double, Double), sourceScale: Double) -> OrientationField {
        let side = Double(Self.blockSize)
        let cx = centre.0 / sourceScale, cy = centre.1 / sourceScale
        let dx = shift.0 / sourceScale, dy = shift.1 / sourceScale
        let c = cos(rotation), s = sin(rotation)
        let turn = Int((rotation * 180 / .pi).rounded())
        var moved = [UInt8](repeating: Self.background, count: codes.count)
        for row in 0..<rows {
            for column in 0..<columns {
                // Where this block's centre was before the move.
                let x = (Double(column) + 0.5) * side - cx - dx, y = (Double(row) + 0.5) * side - cy - dy
                let sx = c * x + s * y + cx, sy = -s * x + c * y + cy
                guard sx >= 0, sy >= 0 else { continue }
                let from = (Int(sy / side), Int(sx / side))
                guard from.0 < rows, from.1 < columns else { continue }
                let code = codes[from.0 * columns + from.1]
                guard code != Self.background else { continue }
                moved[row * columns + column] = UInt8(((Int(code) + turn) % 180 + 180) % 180)
            }
        }
        return OrientationField(columns: columns, rows: rows, codes: moved) ?? self
    }
}

/// Real-derived templates to any count: the sources themselves, then perturbed copies
/// of them in turn.
public func realDerivedTemplates(from sources: [FingerprintTemplate], count: Int, seed: UInt64 = 1) -> [FingerprintTemplate] {
    guard !sources.isEmpty else { return [] }
    return (0..<count).map { i in
        let source = sources[i % sources.count]
        return i < sources.count ? source : source.perturbed(seed: seed &+ UInt64(i))
    }
}
