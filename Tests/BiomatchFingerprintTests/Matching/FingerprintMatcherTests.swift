@testable import BiomatchFingerprint
import BiomatchTestSupport
import Foundation
import Testing

@Suite("Fingerprint matcher")
struct FingerprintMatcherTests {
    /// A synthetic finger: `count` minutiae spread over a 300×360 area, on a loop-like
    /// orientation field (a field of its own per seed).
    static func syntheticTemplate(seed: UInt64, count: Int = 40) -> FingerprintTemplate {
        var rng = SplitMix64(seed: seed)
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        let minutiae = (0..<count).map { _ in
            Minutia(x: Float(50 + unit() * 300), y: Float(40 + unit() * 360), direction: Float(unit() * 2 * .pi),
                    kind: unit() < 0.5 ? .ridgeEnding : .bifurcation, quality: 80)
        }
        let twist = unit() * 180
        let field = OrientationFieldTests.loopField().flatMap { f in
            OrientationField(columns: f.columns, rows: f.rows,
                             codes: f.codes.map { $0 == OrientationField.background ? $0 : UInt8((Int($0) + Int(twist)) % 180) })
        }
        return FingerprintTemplate(width: 400, height: 440, dpi: 500, quality: 80, minutiae: minutiae, orientationField: field)
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
        let field = t.orientationField?.moved(rotation: angle, centre: (200, 220), shift: (Double(dx), Double(dy)), sourceScale: 1)
        return FingerprintTemplate(width: t.width, height: t.height, dpi: t.dpi, quality: t.quality, minutiae: minutiae,
                                   orientationField: field)
    }

    /// The template without its orientation field (as from another extractor's record).
    static func withoutField(_ t: FingerprintTemplate) -> FingerprintTemplate {
        FingerprintTemplate(width: t.width, height: t.height, dpi: t.dpi, quality: t.quality, minutiae: t.minutiae)
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

    /// Without orientation fields every descriptor weight is the neutral one: a template
    /// from another extractor scores lower than with a field, never higher.
    @Test func templatesWithoutAFieldScoreLowerNotHigher() {
        let matcher = FingerprintMatcher()
        let t = Self.syntheticTemplate(seed: 4)
        let moved = Self.moved(t, angle: 0.4, dx: 12, dy: 5)
        let with = matcher.similarity(matcher.prepare(t), matcher.prepare(moved))
        let without = matcher.similarity(matcher.prepare(Self.withoutField(t)), matcher.prepare(moved))
        let neither = matcher.similarity(matcher.prepare(Self.withoutField(t)), matcher.prepare(Self.withoutField(moved)))
        #expect(with > 0.5)
        #expect(without < with && neither < with)
        #expect(abs(without - neither) < 0.02, "one missing field is as neutral as two")
        // An impostor pair stays under the 1e-3 threshold whichever side lacks a field.
        let other = Self.syntheticTemplate(seed: 5)
        let threshold = FingerprintMatcher.calibration.first { $0.label == "1e-3" }?.threshold ?? 0
        #expect(matcher.similarity(matcher.prepare(Self.withoutField(t)), matcher.prepare(other)) < max(threshold, 0.2))
    }

    /// Crossing one print's ridge flow (same minutiae, field turned by 90°) removes most of
    /// the score: cylinder agreement alone no longer counts.
    @Test func disagreeingRidgeFlowLowersTheScore() throws {
        let matcher = FingerprintMatcher()
        let t = Self.syntheticTemplate(seed: 6)
        let field = try #require(t.orientationField)
        let crossed = FingerprintTemplate(width: t.width, height: t.height, dpi: t.dpi, quality: t.quality, minutiae: t.minutiae,
                                          orientationField: OrientationField(columns: field.columns, rows: field.rows, codes: field.codes.map {
                                              $0 == OrientationField.background ? $0 : UInt8((Int($0) + 90) % 180)
                                          }))
        let same = matcher.similarity(matcher.prepare(t), matcher.prepare(t))
        let across = matcher.similarity(matcher.prepare(t), matcher.prepare(crossed))
        #expect(same > 0.8)
        #expect(across < 0.1 * same)
    }
}
