@testable import BiomatchFace
import Foundation
import Testing

@Suite struct DecodedImageTests {
    @Test(arguments: [ImageFormat.jpeg, .png, .bmp, .pnm, .webp])
    func decodesEveryFormatOpenCVWrites(format: ImageFormat) throws {
        let source = try Fixtures.sample("messi5.jpg")
        let bytes = try source.encoded(as: format)
        #expect(ImageFormat(sniffing: bytes) == format)
        let decoded = try DecodedImage(bytes: bytes, name: "messi5.\(format.rawValue)")
        #expect(decoded.width == source.width && decoded.height == source.height)
        #expect(decoded.format == format)
    }

    /// The sample photo's colour profile makes libpng warn on stderr; the profile chunk (which
    /// OpenCV does not apply) is dropped before decoding, every other chunk kept.
    @Test func aPNGColourProfileIsDroppedWithoutChangingPixels() throws {
        let bytes = try Fixtures.sampleBytes("astronaut.png")
        let stripped = DecodedImage.withoutColourProfile(bytes)
        func contains(_ data: [UInt8], _ tag: String) -> Bool {
            let t = Array(tag.utf8)
            return data.indices.dropLast(3).contains { data[$0..<($0 + 4)].elementsEqual(t) }
        }
        #expect(contains(bytes, "iCCP") && !contains(stripped, "iCCP") && stripped.count < bytes.count)
        #expect(contains(stripped, "IDAT") && contains(stripped, "IEND"))
        let decoded = try DecodedImage(bytes: stripped)
        #expect(decoded.width == 512 && decoded.height == 512 && decoded.format == .png)
        // Not PNG chunks (or cut short): left for the decoder to judge.
        #expect(DecodedImage.withoutColourProfile(Array(bytes.prefix(40))) == Array(bytes.prefix(40)))
    }

    @Test func decodesGreyPGM() throws {
        let header = Array("P5\n# a comment\n4 3\n255\n".utf8)
        let image = try DecodedImage(bytes: header + [UInt8](repeating: 200, count: 12), limits: smallLimits)
        #expect(image.width == 4 && image.height == 3)
        #expect(image.bgrPixels().allSatisfy { $0 == 200 })
    }

    @Test func decodesGIFIncludingInterlacedFrames() throws {
        // 5×4 image, colours cycling through a 4-entry palette.
        let indices: [UInt8] = (0..<20).map { UInt8($0 % 4) }
        let palette: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]
        for interlaced in [false, true] {
            let gif = TinyGIF.encode(width: 5, height: 4, indices: indices, palette: palette, interlaced: interlaced)
            let image = try DecodedImage(bytes: gif, name: "tiny.gif", limits: smallLimits)
            let px = image.bgrPixels()
            for i in 0..<20 {
                let rgb = palette[Int(indices[i])]
                #expect(Array(px[i * 3..<i * 3 + 3]) == [rgb[2], rgb[1], rgb[0]], "pixel \(i), interlaced \(interlaced)")
            }
        }
    }

    @Test func readsFilesAndNamesThemInErrors() throws {
        let image = try DecodedImage(contentsOf: Fixtures.samples.appendingPathComponent("astronaut.png"))
        #expect(image.width == 512 && image.height == 512)
        do {
            _ = try DecodedImage(contentsOf: URL(fileURLWithPath: "/nonexistent/face.jpg"))
            Issue.record("no error")
        } catch let e as FaceError {
            #expect(e.code == .unreadableInput)
            #expect(e.message.contains("face.jpg"))
        }
    }

    let smallLimits: DecodedImage.Limits = {
        var l = DecodedImage.Limits()
        l.minSide = 1
        return l
    }()
}

/// A minimal GIF writer for tests: 8-bit LZW codes emitted uncompressed with a clear
/// code before the table would grow past 9 bits.
enum TinyGIF {
    static func encode(width: Int, height: Int, indices: [UInt8], palette: [[UInt8]], interlaced: Bool) -> [UInt8] {
        var out = Array("GIF89a".utf8)
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        u16(width); u16(height)
        out += [0xF1, 0, 0]  // global table of 4 entries (2^(1+1))
        for c in palette { out += c }
        out += [0x2C]; u16(0); u16(0); u16(width); u16(height)
        out += [interlaced ? 0x40 : 0x00]
        let rows: [Int] = interlaced
            ? [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { s in stride(from: s.0, to: height, by: s.1).map { $0 } }
            : Array(0..<height)
        let ordered = rows.flatMap { r in indices[r * width..<(r + 1) * width] }
        let minCode = 2, clear = 4, end = 5
        var codes: [Int] = [clear]
        var sinceClear = 0
        for v in ordered {
            if sinceClear == 2 { codes.append(clear); sinceClear = 0 }  // keep width at 3 bits
            codes.append(Int(v)); sinceClear += 1
        }
        codes.append(end)
        var bits = 0, count = 0
        var data: [UInt8] = []
        var size = minCode + 1
        var next = clear + 2
        var previousWasClear = true
        for code in codes {
            bits |= code << count; count += size
            while count >= 8 { data.append(UInt8(bits & 0xFF)); bits >>= 8; count -= 8 }
            if code == clear { size = minCode + 1; next = clear + 2; previousWasClear = true; continue }
            if code == end { break }
            if !previousWasClear { next += 1; if next == 1 << size && size < 12 { size += 1 } }
            previousWasClear = false
        }
        if count > 0 { data.append(UInt8(bits & 0xFF)) }
        out.append(UInt8(minCode))
        var i = 0
        while i < data.count {
            let n = min(255, data.count - i)
            out.append(UInt8(n)); out += data[i..<i + n]; i += n
        }
        out += [0, 0x3B]
        return out
    }
}
