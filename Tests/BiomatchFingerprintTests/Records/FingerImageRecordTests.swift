@testable import BiomatchFingerprint
import BiomatchTestSupport
import Foundation
import Testing

/// ISO/IEC 19794-4:2005 finger image records: what a probe carries when the engine must
/// judge the capture itself.
@Suite struct FingerImageRecordTests {
    @Test func aPNGCaptureRoundTripsAndDecodesAtItsResolution() throws {
        let png = try Fixtures.sampleBytes("p1_1.png")
        let record = try FingerImageRecord(imageFile: png, dpi: 500, position: .rightIndex)
        #expect(record.compression == .png && record.imageData == png && record.position == 2)
        let bytes = record.encoded()
        #expect(Array(bytes.prefix(8)) == Array("FIR\0010\0".utf8) && bytes.count == 32 + 14 + png.count)
        let decoded = try FingerImageRecord(bytes: bytes)
        #expect(decoded == record && decoded.encoded() == bytes)
        let image = try decoded.fingerprintImage()
        #expect(image.dpi == 500 && image.width == Int(record.width))
        // The same print's minutiae, from the record and from the file.
        let direct = try MinutiaeExtractor().extract(try FingerprintImage(bytes: png, dpi: 500))
        #expect(try MinutiaeExtractor().extract(image).minutiae == direct.minutiae)
    }

    @Test func rawPixelsAndPixelsPerCentimetreAreRead() throws {
        let width = 200, height = 220
        var record = try FingerImageRecord(imageFile: try Fixtures.sampleBytes("p1_1.png"), dpi: 500, position: .leftThumb)
        record.compression = .uncompressed
        record.width = UInt16(width); record.height = UInt16(height)
        record.imageData = (0..<(width * height)).map { UInt8(truncatingIfNeeded: ($0 % width) * 7 + ($0 / width) * 3) }
        record.scaleUnits = 2
        record.imageResolutionX = 197; record.imageResolutionY = 197
        let decoded = try FingerImageRecord(bytes: record.encoded())
        #expect(try decoded.dpi == 500)
        let image = try decoded.fingerprintImage()
        #expect(image.width == width && image.height == height)
        record.imageResolutionY = 150
        expectFingerprintError(.invalidResolution) { _ = try FingerImageRecord(bytes: record.encoded()) }
    }

    @Test func hostileRecordsAreTypedErrorsNeverCrashes() throws {
        let bytes = try FingerImageRecord(imageFile: try Fixtures.sampleBytes("p1_1.png"), dpi: 500, position: .rightIndex).encoded()
        for cut in [0, 3, 8, 31, 32, 45] {
            #expect(throws: FingerprintError.self, "truncated to \(cut)") { _ = try FingerImageRecord(bytes: Array(bytes.prefix(cut))) }
        }
        expectFingerprintError(.inconsistentRecord) { _ = try FingerImageRecord(bytes: Array(bytes.dropLast())) }
        var two = bytes; two[18] = 2
        expectFingerprintError(.invalidField) { _ = try FingerImageRecord(bytes: two) }
        var wsq = bytes; wsq[29] = 2
        expectFingerprintError(.invalidField) { _ = try FingerImageRecord(bytes: wsq) }
        var views = bytes; views[37] = 2
        expectFingerprintError(.invalidField) { _ = try FingerImageRecord(bytes: views) }
        var position = bytes; position[36] = 11
        expectFingerprintError(.invalidField) { _ = try FingerImageRecord(bytes: position) }
        var identifier = bytes; identifier[0] = UInt8(ascii: "G")
        expectFingerprintError(.unknownFormat) { _ = try FingerImageRecord(bytes: identifier) }
        var rng = SplitMix64(state: 19_794_4)
        var decoded = 0, refused = 0
        for _ in 0..<2_000 {
            var m = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) { m[Int.random(in: 0..<46, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if let r = try? FingerImageRecord(bytes: m) { decoded += 1; _ = try? r.fingerprintImage() } else { refused += 1 }
        }
        #expect(decoded + refused == 2_000 && refused > 0)
    }
}
