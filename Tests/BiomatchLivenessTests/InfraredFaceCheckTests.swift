@testable import BiomatchLiveness
import BiomatchTestSupport
import Foundation
import Testing

/// Synthetic near-infrared frames (160×160, face box the middle 96×112): only the
/// skin-like face passes. No labelled infrared data was available; these check the rules.
@Suite struct InfraredFaceCheckTests {
    static let (w, h) = (160, 160)
    static let box = (x: 32, y: 24, width: 96, height: 112)

    static func image(_ value: (Int, Int) -> Double, noise: Double = 2, seed: UInt64 = 5) throws -> GreyImage {
        var rng = SplitMix64(state: seed)
        var pixels = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let n = (Double(rng.next() % 2001) / 1000 - 1) * noise
                pixels[y * w + x] = UInt8(max(0, min(255, (value(x, y) + n).rounded())))
            }
        }
        return try GreyImage(width: w, height: h, pixels: pixels)
    }

    func assess(_ image: GreyImage) throws -> InfraredAssessment {
        try InfraredFaceCheck.assess(image, x: Self.box.x, y: Self.box.y, boxWidth: Self.box.width, boxHeight: Self.box.height)
    }

    /// Skin under the illuminator: bright, shaded towards the edges, darker eye sockets, smooth.
    static func skin(_ x: Int, _ y: Int) -> Double {
        let u = (Double(x) - 80) / 48, v = (Double(y) - 80) / 56
        let shade = 170 * max(0.25, 1 - 0.55 * (u * u + v * v))
        let socket = 45 * (exp(-(pow(u + 0.4, 2) + pow(v + 0.3, 2)) / 0.02) + exp(-(pow(u - 0.4, 2) + pow(v + 0.3, 2)) / 0.02))
        return shade - socket
    }

    @Test func onlySkinLikeReflectancePasses() throws {
        let face = try assess(try Self.image(Self.skin))
        #expect(face.isSkinLike && face.score >= 0.5, "\(face)")
        // A phone screen: no near-infrared from the display, a little reflected.
        let screen = try assess(try Self.image({ _, _ in 12 }, noise: 4))
        #expect(!screen.isSkinLike && screen.score < 0.5 && screen.brightness < InfraredFaceCheck.minimumBrightness)
        // A dye-ink print: the face vanishes into bright paper.
        let dyePrint = try assess(try Self.image({ _, _ in 215 }, noise: 3))
        #expect(!dyePrint.isSkinLike && dyePrint.score < 0.5 && dyePrint.contrast < InfraredFaceCheck.minimumContrast)
        // A toner print: the face's shading as a halftone of dots.
        let halftone = try assess(try Self.image({ x, y in Self.skin(x, y) > Double((x * 7 + y * 13) % 4) * 60 + 30 ? 230 : 40 }))
        #expect(!halftone.isSkinLike && halftone.score < 0.5 && halftone.highPassRatio > InfraredFaceCheck.maximumHighPass, "\(halftone)")
    }

    @Test func badInputIsATypedError() throws {
        let image = try Self.image(Self.skin)
        #expect(throws: LivenessError.self) { _ = try InfraredFaceCheck.assess(image, x: 150, y: 0, boxWidth: 40, boxHeight: 40) }
        #expect(throws: LivenessError.self) { _ = try InfraredFaceCheck.assess(image, x: 0, y: 0, boxWidth: 8, boxHeight: 8) }
        #expect(throws: LivenessError.self) { _ = try GreyImage(width: 10, height: 10, pixels: [1, 2, 3]) }
    }
}
