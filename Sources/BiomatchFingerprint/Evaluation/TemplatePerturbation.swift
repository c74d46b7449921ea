import Foundation

extension FingerprintTemplate {
    /// A plausible other impression of the same finger, for growing real-derived galleries
    /// and distractor sets: rotated (±25°) and shifted (±25 px) as a whole, each minutia
    /// jittered (±2 px, ±6°), about 15 % dropped and 3 spurious ones added. Deterministic
    /// for a seed.
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
        return FingerprintTemplate(width: width, height: height, dpi: dpi, quality: quality, minutiae: out)
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
