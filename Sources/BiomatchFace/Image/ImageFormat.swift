/// The image container formats Biomatch accepts, recognised by their magic bytes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, gif, bmp, pnm, webp
    /// JPEG 2000 in its JP2 file format (ISO/IEC 15444-1 annex I), as face image records
    /// carry lossless captures.
    case jp2

    /// Recognises the format from the first bytes, or `nil`.
    public init?(sniffing bytes: [UInt8]) {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix }
        if starts([0xFF, 0xD8, 0xFF]) { self = .jpeg }
        else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
        else if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { self = .gif }
        else if starts(Array("BM".utf8)) { self = .bmp }
        else if starts(Self.jp2Signature) { self = .jp2 }
        else if bytes.count >= 12, starts(Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { self = .webp }
        else if bytes.count >= 3, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(bytes[1]),
                [0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: "#")].contains(bytes[2]) { self = .pnm }
        else { return nil }
    }

    /// The JP2 signature box: length 12, type "jP  ", content CR LF 0x87 LF.
    static let jp2Signature: [UInt8] = [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]
}

/// Width and height read from an image header without decoding the pixels, so a
/// hostile header (say 20000×20000) is refused before any memory is allocated.
struct ImageHeader: Equatable {
    var width: Int
    var height: Int

    /// Parses the header of `bytes` in `format`; `nil` when it is truncated or malformed.
    init?(bytes: [UInt8], format: ImageFormat) {
        let r = _ByteReader(bytes)
        switch format {
        case .png:
            guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8),
                  let w = r.u32be(16), let h = r.u32be(20) else { return nil }
            self.init(width: Int(w), height: Int(h))
        case .gif:
            guard let w = r.u16le(6), let h = r.u16le(8) else { return nil }
            self.init(width: Int(w), height: Int(h))
        case .bmp:
            guard let size = r.u32le(14) else { return nil }
            if size == 12 {
                guard let w = r.u16le(18), let h = r.u16le(20) else { return nil }
                self.init(width: Int(w), height: Int(h))
            } else {
                guard let w = r.u32le(18), let h = r.u32le(22) else { return nil }
                self.init(width: Int(Int32(bitPattern: w)), height: abs(Int(Int32(bitPattern: h))))
            }
        case .webp:
            guard bytes.count >= 30 else { return nil }
            let chunk = String(decoding: bytes[12..<16], as: UTF8.self)
            switch chunk {
            case "VP8X":
                guard let w = r.u24le(24), let h = r.u24le(27) else { return nil }
                self.init(width: Int(w) + 1, height: Int(h) + 1)
            case "VP8L":
                guard bytes[20] == 0x2F, let bits = r.u32le(21) else { return nil }
                self.init(width: Int(bits & 0x3FFF) + 1, height: Int((bits >> 14) & 0x3FFF) + 1)
            case "VP8 ":
                guard let w = r.u16le(26), let h = r.u16le(28) else { return nil }
                self.init(width: Int(w & 0x3FFF), height: Int(h & 0x3FFF))
            default:
                return nil
            }
        case .pnm:
            guard let (w, h) = Self.pnmSize(bytes) else { return nil }
            self.init(width: w, height: h)
        case .jpeg:
            guard let (w, h) = Self.jpegSize(bytes) else { return nil }
            self.init(width: w, height: h)
        case .jp2:
            guard let (w, h) = Self.jp2Size(bytes) else { return nil }
            self.init(width: w, height: h)
        }
    }

    /// The image header box (`ihdr`: height, width) inside the JP2 header box (`jp2h`),
    /// found by walking the boxes' lengths (ISO/IEC 15444-1 I.5).
    private static func jp2Size(_ b: [UInt8]) -> (Int, Int)? {
        let r = _ByteReader(b)
        /// The boxes in `range`: (type, content range); nil on a malformed length.
        func boxes(_ range: Range<Int>) -> [(String, Range<Int>)]? {
            var out: [(String, Range<Int>)] = []
            var i = range.lowerBound
            while i < range.upperBound {
                guard let length = r.u32be(i), i + 8 <= range.upperBound else { return nil }
                let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
                var header = 8, size = Int(length)
                if length == 1 {
                    guard let high = r.u32be(i + 8), let low = r.u32be(i + 12), high == 0 else { return nil }
                    header = 16
                    size = Int(low)
                } else if length == 0 {
                    size = range.upperBound - i
                }
                guard size >= header, i + size <= range.upperBound else { return nil }
                out.append((type, (i + header)..<(i + size)))
                i += size
                if out.count > 64 { return nil }
            }
            return out
        }
        guard let top = boxes(0..<b.count), let header = top.first(where: { $0.0 == "jp2h" }),
              let inner = boxes(header.1), let ihdr = inner.first(where: { $0.0 == "ihdr" }), ihdr.1.count >= 14,
              let h = r.u32be(ihdr.1.lowerBound), let w = r.u32be(ihdr.1.lowerBound + 4) else { return nil }
        return (Int(w), Int(h))
    }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Walks the JPEG marker segments from the start up to the first start-of-scan,
    /// returning the first frame header's size and where the scan begins. Segment lengths
    /// are followed, so APPn payloads (an EXIF thumbnail, say) are skipped whole.
    private static func walkJPEG(_ b: [UInt8]) -> (size: (Int, Int)?, scanStart: Int?) {
        var i = 2
        var size: (Int, Int)?
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { break }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xDA { return (size, i) }
            if marker == 0xD9 { break }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2 else { break }
            let isSOF = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isSOF && size == nil {
                guard i + 9 <= b.count else { break }
                size = (Int(b[i + 7]) << 8 | Int(b[i + 8]), Int(b[i + 5]) << 8 | Int(b[i + 6]))
            }
            i += 2 + length
        }
        return (size, nil)
    }

    private static func jpegSize(_ b: [UInt8]) -> (Int, Int)? { walkJPEG(b).size }

    /// Whether an end-of-image marker (FF D9) follows the main image's first scan; an
    /// EXIF thumbnail's own end marker, inside an APPn segment, does not count.
    static func jpegHasEndOfImage(_ b: [UInt8]) -> Bool {
        guard let scanStart = walkJPEG(b).scanStart else { return false }
        var j = b.count - 2
        while j > scanStart {
            if b[j] == 0xFF && b[j + 1] == 0xD9 { return true }
            j -= 1
        }
        return false
    }

    /// Reads "P5 <w> <h>" allowing comments, as Netpbm does.
    private static func pnmSize(_ b: [UInt8]) -> (Int, Int)? {
        var i = 2
        var numbers: [Int] = []
        while numbers.count < 2 && i < b.count && i < 4096 {
            let c = b[i]
            if c == UInt8(ascii: "#") {
                while i < b.count && b[i] != 0x0A { i += 1 }
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                var value = 0
                while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
                    value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
                    if value > 1 << 30 { return nil }
                    i += 1
                }
                numbers.append(value)
                continue
            } else if ![0x20, 0x0A, 0x0D, 0x09].contains(c) {
                return nil
            }
            i += 1
        }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }
}

/// Bounds-checked little/big-endian reads.
struct _ByteReader {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u16le(_ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }
    func u24le(_ at: Int) -> UInt32? {
        guard at >= 0, at + 3 <= bytes.count else { return nil }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
    }
    func u32le(_ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
    func u16be(_ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }
    func u32be(_ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
