@testable import BiomatchFingerprint
import BiomatchTestSupport
import Foundation
import Testing

@Suite("Fingerprint matcher")
struct FingerprintMatcherTests {
    /// A synthetic finger: `count` minutiae spread over a 300×360 area.
    static func syntheticTemplate(seed: UInt64, count: Int = 40) -> FingerprintTemplate {
        var rng = SplitMix64(seed: seed)
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        let minutiae = (0..<count).map { _ in
            Minutia(x: Float(50 + unit() * 300), y: Float(40 + unit() * 360), direction: Float(unit() * 2 * .pi),
                    kind: unit() < 0.5 ? .ridgeEnding : .bifurcation, quality: 80)
        }
        return FingerprintTemplate(width: 400, height: 440, dpi: 500, quality: 80, minutiae: minutiae)
    }

    /// Rotates by `angle` about (200, 220) and translates by (dx, dy).
    static func moved(_ t: FingerprintTemplate, angle: Double, dx: Float, dy: Float, keep: Int? = nil) -> FingerprintTemplate {
        let c = Float(cos(angle)), s = Float(sin(angle))
        let minutiae = t.minutiae.prefix(keep ?? t.minutiae.count).map { m in
            let x = m.x - 200, y = m.y - 220
            var d = m.direction + Float(angle)
            if d >= 2 * .pi { d -= 2 * .pi }
            if d < 0 { d += 2 * .pi }
            return Minutia(x: c * x - s * y + 200 + dx, y: s * x + c * y + 220 + dy, direction: d, kind: m.kind, quality: m.quality)
        }
        return FingerprintTemplate(width: t.width, height: t.height, dpi: t.dpi, quality: t.quality, minutiae: minutiae)
    }

    @Test func scoresAreInvariantToRotationAndTranslation() {
        let matcher = FingerprintMatcher()
        let t = Self.syntheticTemplate(seed: 1)
        let same = matcher.similarity(matcher.prepare(t), matcher.prepare(t))
        for angle in [0.3, -0.6, 1.2] {
            let r = matcher.similarity(matcher.prepare(t), matcher.prepare(Self.moved(t, angle: angle, dx: 17, dy: -9)))
            #expect(abs(r - same) < 0.08, "angle \(angle): \(r) vs \(same)")
        }
        #expect(same > 0.8)
    }

    @Test func differentFingersScoreLow() {
        let matcher = FingerprintMatcher()
        let a = matcher.prepare(Self.syntheticTemplate(seed: 2))
        let b = matcher.prepare(Self.syntheticTemplate(seed: 3))
        #expect(matcher.similarity(a, b) < 0.2)
    }
}
