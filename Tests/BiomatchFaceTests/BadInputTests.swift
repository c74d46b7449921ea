@testable import BiomatchFace
import Foundation
import Testing

/// Every kind of bad input gets a typed error and no template; nothing crashes.
@Suite struct BadInputTests {
    @Test func emptyInput() {
        expectFaceError(.emptyInput) { try DecodedImage(bytes: []) }
    }

    @Test func randomBytes() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // Make sure the random prefix does not happen to be a magic number.
        expectFaceError(.unsupportedFormat) { try DecodedImage(bytes: [0x00] + bytes) }
    }

    @Test func truncatedJPEG() throws {
        let bytes = try Fixtures.sampleBytes("messi5.jpg")
        for fraction in [0.02, 0.5, 0.95] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            expectFaceError(.corruptImage) { try DecodedImage(bytes: cut, name: "truncated.jpg") }
        }
        expectFaceError(.corruptImage) { try DecodedImage(bytes: Array(bytes.prefix(3)), name: "3 bytes") }
    }

    @Test func truncatedPNGAndWEBP() throws {
        let source = try Fixtures.sample("astronaut.png")
        for format in [ImageFormat.png, .webp] {
            let bytes = try source.encoded(as: format)
            let cut = Array(bytes.prefix(bytes.count / 2))
            expectFaceError(.corruptImage) { try DecodedImage(bytes: cut, name: "half.\(format.rawValue)") }
        }
    }

    @Test func corruptGIF() throws {
        let gif = TinyGIF.encode(width: 20, height: 20, indices: [UInt8](repeating: 1, count: 400),
                                 palette: [[0, 0, 0], [9, 9, 9], [1, 1, 1], [2, 2, 2]], interlaced: false)
        expectFaceError(.corruptImage) { try DecodedImage(bytes: Array(gif.prefix(gif.count - 8)), name: "cut.gif") }
        expectFaceError(.corruptImage) { try DecodedImage(bytes: Array(gif.prefix(16)), name: "header.gif") }
    }

    @Test func oneByOneImage() {
        let pgm = Array("P5 1 1 255\n".utf8) + [128]
        expectFaceError(.imageTooSmall) { try DecodedImage(bytes: pgm, name: "1x1.pgm") }
        expectFaceError(.imageTooSmall) { try DecodedImage(pixels: [1, 2, 3], width: 1, height: 1, channels: 3) }
    }

    @Test func hugeHeadersAreRefusedBeforeDecoding() {
        // PNG signature + IHDR claiming 20000×20000, then garbage.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20, 8, 2, 0, 0, 0] + [UInt8](repeating: 7, count: 64)
        expectFaceError(.imageTooLarge) { try DecodedImage(bytes: png, name: "huge.png") }
        let pgm = Array("P5 20000 20000 255\n".utf8) + [UInt8](repeating: 0, count: 100)
        expectFaceError(.imageTooLarge) { try DecodedImage(bytes: pgm, name: "huge.pgm") }
        var gif = Array("GIF89a".utf8) + [0x20, 0x4E, 0x20, 0x4E, 0, 0, 0]
        gif += [UInt8](repeating: 0, count: 32)
        expectFaceError(.imageTooLarge) { try DecodedImage(bytes: gif, name: "huge.gif") }
    }

    @Test func malformedHeaders() {
        expectFaceError(.corruptImage) { try DecodedImage(bytes: Array("P5 abc".utf8), name: "bad.pgm") }
        expectFaceError(.corruptImage) { try DecodedImage(bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0x00], name: "bad.jpg") }
        expectFaceError(.corruptImage) { try DecodedImage(bytes: Array("BM".utf8) + [1, 2], name: "bad.bmp") }
    }

    @Test func pixelBufferOfTheWrongSize() {
        expectFaceError(.corruptImage) { try DecodedImage(pixels: [1, 2, 3], width: 20, height: 20, channels: 3) }
    }

    @Test func imageWithoutAFace() throws {
        let pipeline = try Fixtures.pipeline()
        // A smooth gradient with a little texture: decodable, no face.
        var pixels = [UInt8](repeating: 0, count: 320 * 240 * 3)
        for y in 0..<240 { for x in 0..<320 { for c in 0..<3 {
            pixels[(y * 320 + x) * 3 + c] = UInt8((x + y + c * 40 + (x * y) % 7) % 256)
        } } }
        let image = try DecodedImage(pixels: pixels, width: 320, height: 240, channels: 3)
        expectFaceError(.noFace) { try pipeline.capture(in: image) }
        #expect(try pipeline.captureAll(in: image).isEmpty)
    }
}
