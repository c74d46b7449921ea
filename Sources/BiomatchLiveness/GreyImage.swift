/// An 8-bit single-channel image (an infrared frame, a fingerprint).
public struct GreyImage: Sendable, Hashable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Row-major grey levels.
    public let pixels: [UInt8]

    /// An image; the pixel count must be `width × height`.
    ///
    /// - Throws: ``LivenessError`` otherwise.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw LivenessError("a \(width)×\(height) grey image needs \(max(0, width * height)) bytes, not \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The grey levels (ITU-R BT.601 luma) of interleaved BGR pixels.
    ///
    /// - Throws: ``LivenessError`` when the buffer is not `width × height × 3` bytes.
    public init(bgr: [UInt8], width: Int, height: Int) throws {
        guard width > 0, height > 0, bgr.count == width * height * 3 else {
            throw LivenessError("a \(width)×\(height) BGR image needs \(max(0, width * height * 3)) bytes, not \(bgr.count)")
        }
        var grey = [UInt8](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            let v = 0.114 * Double(bgr[3 * i]) + 0.587 * Double(bgr[3 * i + 1]) + 0.299 * Double(bgr[3 * i + 2])
            grey[i] = UInt8(min(255, v.rounded()))
        }
        try self.init(width: width, height: height, pixels: grey)
    }
}
