extension FaceTemplate {
    /// The current serialisation version.
    public static let serializationVersion: UInt8 = 1
    static let magic: [UInt8] = Array("BMFT".utf8)

    /// The template as bytes (layout: see ``init(serialized:)``).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + values.count * 4)
        out += Self.magic
        out.append(Self.serializationVersion)
        out.append(0)  // flags, reserved
        out.appendBigEndian(UInt16(values.count))
        for text in [modelID, modelVersion] {
            out.append(UInt8(text.utf8.count))
            out += Array(text.utf8)
        }
        out.append(UInt8(quality))
        out.appendBigEndian(UInt32(clamping: capture.imageWidth))
        out.appendBigEndian(UInt32(clamping: capture.imageHeight))
        for v in [capture.faceBox.x, capture.faceBox.y, capture.faceBox.width, capture.faceBox.height, capture.detectorConfidence] {
            out.appendBigEndian(Float(v).bitPattern)
        }
        out.appendBigEndian(UInt64(bitPattern: capture.capturedAtMilliseconds))
        for v in values { out.appendBigEndian(v.bitPattern) }
        return out
    }

    /// Reads a serialised template, validating every field.
    ///
    /// Layout, version 1 (all integers and floats big-endian, floats IEEE 754 binary32):
    ///
    /// | bytes | field |
    /// |---|---|
    /// | 4 | magic `BMFT` |
    /// | 1 | version (1) |
    /// | 1 | flags (0) |
    /// | 2 | dimension *d* (1–4096) |
    /// | 1 + n | model id: length, UTF-8 |
    /// | 1 + n | model version: length, UTF-8 |
    /// | 1 | quality 0–100 |
    /// | 4 + 4 | source image width, height |
    /// | 5 × 4 | face box x, y, width, height; detector confidence |
    /// | 8 | capture time, ms since 1970 (signed) |
    /// | 4·*d* | embedding, unit length |
    ///
    /// - Throws: ``FaceError`` `invalidTemplate` for a wrong magic, an unknown version
    ///   or flags, a truncated or over-long buffer, an invalid UTF-8 string, an
    ///   out-of-range quality, non-finite values or an embedding that is not unit length.
    public init(serialized bytes: [UInt8]) throws {
        var r = _TemplateReader(bytes: bytes)
        guard try r.matches(Self.magic) else { throw FaceError(.invalidTemplate, "not a Biomatch face template (bad magic)") }
        let version = try r.u8()
        guard version == Self.serializationVersion else {
            throw FaceError(.invalidTemplate, "face template version \(version) is not supported (this build reads version \(Self.serializationVersion))")
        }
        guard try r.u8() == 0 else { throw FaceError(.invalidTemplate, "unknown face template flags") }
        let dimension = Int(try r.u16())
        guard (1...4096).contains(dimension) else { throw FaceError(.invalidTemplate, "template dimension \(dimension) is out of range") }
        let modelID = try r.string(), modelVersion = try r.string()
        let quality = Int(try r.u8())
        let width = Int(try r.u32()), height = Int(try r.u32())
        let box = (Double(Float(bitPattern: try r.u32())), Double(Float(bitPattern: try r.u32())), Double(Float(bitPattern: try r.u32())),
                   Double(Float(bitPattern: try r.u32())), Double(Float(bitPattern: try r.u32())))
        let captured = Int64(bitPattern: try r.u64())
        guard bytes.count - r.offset == 4 * dimension else {
            throw FaceError(.invalidTemplate, bytes.count - r.offset < 4 * dimension ? "the template is truncated at byte \(bytes.count) of \(r.offset + 4 * dimension)"
                                                                                       : "\(bytes.count - r.offset - 4 * dimension) unexpected bytes after the template")
        }
        // One bounds check for the whole embedding, then a plain loop (galleries decode millions).
        let base = r.offset
        var norm: Float = 0, finite = true
        let values = [Float](unsafeUninitializedCapacity: dimension) { buffer, count in
            for j in 0..<dimension {
                let o = base + 4 * j
                let v = Float(bitPattern: UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3]))
                finite = finite && v.isFinite
                norm += v * v
                buffer[j] = v
            }
            count = dimension
        }
        let boxValues = [box.0, box.1, box.2, box.3, box.4]
        guard boxValues.allSatisfy(\.isFinite), (0...1).contains(box.4) else {
            throw FaceError(.invalidTemplate, "the capture metadata holds invalid numbers")
        }
        guard finite, abs(norm - 1) < 1e-3 else {
            throw FaceError(.invalidTemplate, "the embedding is not finite and unit length")
        }
        try self.init(
            unitValues: values, modelID: modelID, modelVersion: modelVersion, quality: quality,
            capture: CaptureMetadata(imageWidth: width, imageHeight: height,
                                     faceBox: Rectangle(x: box.0, y: box.1, width: box.2, height: box.3),
                                     detectorConfidence: box.4, capturedAtMilliseconds: captured))
    }
}

/// Bounds-checked big-endian reader; every read past the end throws.
struct _TemplateReader {
    let bytes: [UInt8]
    var offset = 0
    var isAtEnd: Bool { offset == bytes.count }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= bytes.count else {
            throw FaceError(.invalidTemplate, "the template is truncated at byte \(offset) of \(bytes.count)")
        }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    /// A big-endian integer read in place (no intermediate array: templates are decoded
    /// by the hundred thousand when a gallery loads).
    mutating func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= bytes.count else {
            throw FaceError(.invalidTemplate, "the template is truncated at byte \(offset) of \(bytes.count)")
        }
        var v: T = 0
        for i in offset ..< offset + n { v = v << 8 | T(bytes[i]) }
        offset += n
        return v
    }
    /// Whether the next bytes are `expected` (consumed if so).
    mutating func matches(_ expected: [UInt8]) throws -> Bool {
        guard offset + expected.count <= bytes.count else {
            throw FaceError(.invalidTemplate, "the template is truncated at byte \(offset) of \(bytes.count)")
        }
        defer { offset += expected.count }
        return expected.indices.allSatisfy { bytes[offset + $0] == expected[$0] }
    }
    mutating func u8() throws -> UInt8 { try integer(UInt8.self) }
    mutating func u16() throws -> UInt16 { try integer(UInt16.self) }
    mutating func u32() throws -> UInt32 { try integer(UInt32.self) }
    mutating func u64() throws -> UInt64 { try integer(UInt64.self) }
    mutating func string() throws -> String {
        let n = Int(try u8())
        let raw = try bytes(n)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw FaceError(.invalidTemplate, "a template string is not valid UTF-8")
        }
        return text
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
