@testable import BiomatchFingerprint
import BiomatchTestSupport
import Foundation
import Testing

/// The enhancement stage on synthetic images whose true ridge layout is known.
@Suite("Ridge maps")
struct RidgeMapsTests {
    /// 300 × 300: flat grey margin, vertical ridges of period 9 on x 40..<190 and
    /// high-contrast random speckle (no ridge pattern, but as much gradient energy) on
    /// x 190..<260, both on y 40..<260.
    static func ridgesBesideSpeckle() -> [UInt8] {
        var rng = SplitMix64(seed: 0x5EC7)
        return FingerprintTests.pgm(width: 300, height: 300) { x, y in
            guard (40..<260).contains(x), (40..<260).contains(y) else { return 200 }
            if x < 190 { return UInt8(128 + 90 * cos(2 * Double.pi * Double(x) / 9)) }
            return UInt8.random(in: 30...230, using: &rng)
        }
    }

    @Test func speckleWithoutRidgesIsMaskedAndRidgesAreKept() throws {
        let maps = try RidgeMaps(image: FingerprintImage(bytes: Self.ridgesBesideSpeckle()), orientationBins: 16)
        func maskShare(_ xs: Range<Int>, _ ys: Range<Int>) -> Double {
            var on = 0
            for y in ys { for x in xs where maps.mask[y * maps.width + x] != 0 { on += 1 } }
            return Double(on) / Double(xs.count * ys.count)
        }
        // Away from the region edges (the smoothing windows straddle them).
        let ridges = maskShare(60..<170, 60..<240), speckle = maskShare(210..<250, 60..<240)
        #expect(ridges > 0.95, "ridge area kept: \(ridges)")
        #expect(speckle < 0.10, "speckle area kept: \(speckle)")
        // The period is measured to sub-pixel precision, not rounded to whole pixels.
        #expect(abs(maps.ridgePeriod - 9) < 0.3, "period \(maps.ridgePeriod)")
        // Every ridge of the clean area comes out as one ridge: count the runs of ridge
        // pixels along a row (ridges are the dark stripes, cos = -1 at x = 4.5 + 9k).
        let y = 150
        var runs = 0
        for x in 60..<170 where maps.binary[y * maps.width + x] != 0 && maps.binary[y * maps.width + x - 1] == 0 { runs += 1 }
        let truth = (0..<40).filter { (60.0..<170.0).contains(4.5 + 9 * Double($0)) }.count
        #expect(abs(runs - truth) <= 1, "ridges \(runs), drawn \(truth)")
    }
}
