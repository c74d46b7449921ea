/// Bounds-checked big-endian reading over a record's bytes; every read past the end is a
/// ``FingerprintError/Code/truncatedRecord`` naming the field and offset.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - offset }

    mutating func u8(_ field: String) throws(FingerprintError) -> UInt8 {
        try need(1, field)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ field: String) throws(FingerprintError) -> UInt16 {
        try need(2, field)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ field: String) throws(FingerprintError) -> UInt32 {
        try need(4, field)
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func take(_ count: Int, _ field: String) throws(FingerprintError) -> [UInt8] {
        try need(count, field)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    private func need(_ count: Int, _ field: String) throws(FingerprintError) {
        guard count >= 0, offset + count <= end else {
            throw FingerprintError(.truncatedRecord, "record ends at byte \(end) before \(field) (\(count) bytes at offset \(offset))")
        }
    }
}

/// Big-endian writing for record encoders.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    mutating func patchU16(at offset: Int, _ v: UInt16) { bytes[offset] = UInt8(v >> 8); bytes[offset + 1] = UInt8(v & 0xFF) }
    mutating func patchU32(at offset: Int, _ v: UInt32) {
        patchU16(at: offset, UInt16(v >> 16)); patchU16(at: offset + 2, UInt16(v & 0xFFFF))
    }
}
