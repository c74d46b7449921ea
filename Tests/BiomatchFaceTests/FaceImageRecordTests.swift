@testable import BiomatchFace
import BiomatchTestSupport
import Foundation
import Testing

/// ISO/IEC 19794-5:2005 face image records: what a probe carries when the engine must judge
/// the capture itself.
@Suite struct FaceImageRecordTests {
    static func record() throws -> FaceImageRecord {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent("messi5.jpg")))
        return try FaceImageRecord(image: try DecodedImage(bytes: bytes), originalBytes: bytes)
    }

    @Test func aJPEGCaptureRoundTripsByteForByteAndKeepsItsPixels() throws {
        var record = try Self.record()
        record.featurePoints = [.init(type: 1, code: 0x31, x: 200, y: 120)]
        record.poseAngles = [1, 2, 3]
        let bytes = record.encoded()
        #expect(Array(bytes.prefix(8)) == Array("FAC\0010\0".utf8))
        let decoded = try FaceImageRecord(bytes: bytes)
        #expect(decoded == record && decoded.encoded() == bytes)
        let image = try decoded.decodedImage()
        #expect(image.width == Int(record.width) && image.height == Int(record.height))
        // A PNG is carried as lossless JPEG 2000 (the 2005 record has no PNG type): the engine
        // decodes the very pixels the terminal had.
        let original = try DecodedImage(contentsOf: Fixtures.samples.appendingPathComponent("astronaut.png"))
        let lossless = try FaceImageRecord(bytes: try FaceImageRecord(image: original).encoded())
        #expect(lossless.imageDataType == 1 && ImageFormat(sniffing: lossless.imageData) == .jp2)
        #expect(try lossless.decodedImage().bgrPixels() == original.bgrPixels())
    }

    @Test func hostileRecordsAreTypedErrorsNeverCrashes() throws {
        let bytes = try Self.record().encoded()
        func expectInvalid(_ data: [UInt8], _ what: String) {
            #expect(throws: FaceError.self, "\(what)") { _ = try FaceImageRecord(bytes: data) }
        }
        for cut in [0, 1, 13, 14, 33, 45, 46, 47, bytes.count - 1] { expectInvalid(Array(bytes.prefix(cut)), "truncated to \(cut)") }
        var twoImages = bytes; twoImages[13] = 2
        expectInvalid(twoImages, "two images")
        var jpeg2000 = bytes; jpeg2000[35] = 1
        expectInvalid(jpeg2000, "a JPEG announced as JPEG 2000")
        var undefined = bytes; undefined[35] = 7
        expectInvalid(undefined, "image data type 7")
        var wrongSize = bytes; wrongSize[36] ^= 0x01
        #expect(throws: FaceError.self) { _ = try FaceImageRecord(bytes: wrongSize).decodedImage() }
        var version = bytes; version[5] = UInt8(ascii: "3")
        expectInvalid(version, "version 030")
        // Seeded random mutations: each decodes or is refused, and nothing crashes.
        var rng = SplitMix64(state: 19_794_5)
        var decoded = 0, refused = 0
        for _ in 0..<2_000 {
            var m = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) { m[Int.random(in: 0..<60, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if (try? FaceImageRecord(bytes: m)) != nil { decoded += 1 } else { refused += 1 }
        }
        #expect(decoded + refused == 2_000 && refused > 0)
    }
}
