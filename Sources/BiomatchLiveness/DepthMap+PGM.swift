extension DepthMap {
    /// Reads a binary PGM (`P5`) depth image: 16-bit big-endian samples in millimetres
    /// (maxval above 255), or 8-bit ones.
    ///
    /// - Throws: ``LivenessError`` for anything else, a truncated file or sides over 4,096.
    public init(pgm bytes: [UInt8]) throws {
        var index = 0
        func token() throws -> String {
            // Skip whitespace and comments.
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 10 { index += 1 }
                } else if [9, 10, 13, 32].contains(bytes[index]) {
                    index += 1
                } else { break }
            }
            var out = ""
            while index < bytes.count, ![9, 10, 13, 32].contains(bytes[index]), out.count < 12 {
                out.append(Character(UnicodeScalar(bytes[index]))); index += 1
            }
            guard !out.isEmpty else { throw LivenessError("the depth file ends inside its PGM header") }
            return out
        }
        guard try token() == "P5" else { throw LivenessError("the depth file is not a binary PGM (P5); save the depth map as 16-bit PGM in millimetres") }
        guard let width = Int(try token()), let height = Int(try token()), let maxval = Int(try token()),
              (1...4_096).contains(width), (1...4_096).contains(height), (1...65_535).contains(maxval) else {
            throw LivenessError("the depth file's PGM header has an invalid size or maximum value")
        }
        index += 1  // the single whitespace byte after maxval
        let wide = maxval > 255, count = width * height
        guard bytes.count - index >= count * (wide ? 2 : 1) else {
            throw LivenessError("the depth file is truncated: \(width)×\(height) samples need \(count * (wide ? 2 : 1)) bytes, \(max(0, bytes.count - index)) are there")
        }
        var samples = [UInt16](repeating: 0, count: count)
        for i in 0..<count {
            samples[i] = wide ? UInt16(bytes[index + 2 * i]) << 8 | UInt16(bytes[index + 2 * i + 1]) : UInt16(bytes[index + i])
        }
        try self.init(width: width, height: height, millimetres: samples)
    }

    /// The map as a 16-bit binary PGM.
    public var pgm: [UInt8] {
        var out = Array("P5\n\(width) \(height)\n65535\n".utf8)
        out.reserveCapacity(out.count + millimetres.count * 2)
        for v in millimetres { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xFF)) }
        return out
    }
}
