import BiomatchSupport
internal import CBiomatchBridge
import Foundation

/// A decoded 8-bit BGR image, ready for detection.
///
/// Decoding accepts JPEG, PNG, PGM/PPM, GIF (first frame), BMP, WEBP and JPEG 2000 (JP2), from bytes or a
/// file. The header is checked before any pixel is decoded, so an image whose header
/// claims more than ``Limits/maxPixels`` is refused without allocating it.
///
/// Instances are immutable and safe to share between tasks.
public final class DecodedImage: @unchecked Sendable {
    // Immutable after init; every bridge call on it only reads.
    let handle: OpaquePointer

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// The container format it was decoded from (`nil` for pixels made in memory).
    public let format: ImageFormat?

    /// Decoding limits.
    public struct Limits: Sendable {
        /// Largest accepted width × height (default 40 megapixels).
        public var maxPixels: Int = 40_000_000
        /// Smallest accepted side, in pixels (default 16).
        public var minSide: Int = 16
        public init() {}
    }

    /// Decodes an image file.
    ///
    /// - Throws: ``FaceError`` with code `unreadableInput`, `emptyInput`,
    ///   `unsupportedFormat`, `corruptImage`, `imageTooLarge` or `imageTooSmall`; the
    ///   message names the file.
    public convenience init(contentsOf url: URL, limits: Limits = Limits()) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FaceError(.unreadableInput, "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), name: url.lastPathComponent, limits: limits)
    }

    /// Decodes image bytes; `name` identifies the input in error messages.
    ///
    /// - Throws: ``FaceError`` as for ``init(contentsOf:limits:)``.
    public init(bytes: [UInt8], name: String = "image bytes", limits: Limits = Limits()) throws {
        guard !bytes.isEmpty else { throw FaceError(.emptyInput, "\(name): the input is empty (0 bytes)") }
        guard let format = ImageFormat(sniffing: bytes) else {
            throw FaceError(.unsupportedFormat, "\(name): not a JPEG, PNG, PGM/PPM, GIF, BMP, WEBP or JPEG 2000 (JP2) image")
        }
        guard let header = ImageHeader(bytes: bytes, format: format) else {
            throw FaceError(.corruptImage, "\(name): the \(format.rawValue) header is truncated or malformed")
        }
        try Self.check(width: header.width, height: header.height, name: name, limits: limits)
        // libjpeg fills a truncated scan with grey and reports success; refuse it instead.
        if format == .jpeg && !ImageHeader.jpegHasEndOfImage(bytes) {
            throw FaceError(.corruptImage, "\(name): the JPEG data is truncated (no end-of-image marker after the scan)")
        }
        var error = [CChar](repeating: 0, count: 512)
        var decoded: OpaquePointer?
        if format == .gif {
            guard let frame = GIFDecoder.decode(bytes, maxPixels: limits.maxPixels) else {
                throw FaceError(.corruptImage, "\(name): the GIF data is truncated or corrupt")
            }
            decoded = frame.bgr.withUnsafeBufferPointer { p in
                bmcv_image_from_pixels(p.baseAddress, Int32(frame.width), Int32(frame.height), 3, frame.width * 3, &error, error.count)
            }
        } else {
            // libpng prints a warning on stderr for a PNG's colour profile it dislikes (the
            // sample photo's "iCCP: known incorrect sRGB profile"); OpenCV ignores profiles,
            // so the chunk is dropped before decoding and nothing is printed.
            let input = format == .png ? Self.withoutColourProfile(bytes) : bytes
            decoded = input.withUnsafeBufferPointer { p in bmcv_image_decode(p.baseAddress, p.count, &error, error.count) }
        }
        guard let decoded else {
            throw FaceError(.corruptImage, "\(name): the \(format.rawValue) data could not be decoded (\(bridgeMessage(error)))")
        }
        handle = decoded
        width = Int(bmcv_image_width(decoded))
        height = Int(bmcv_image_height(decoded))
        self.format = format
    }

    /// PNG bytes without their `iCCP` (colour profile) chunks; anything that does not parse
    /// as PNG chunks is returned unchanged for the decoder to judge.
    static func withoutColourProfile(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array(bytes.prefix(8)), offset = 8
        var dropped = false
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let end = offset + 12 + length
            guard length >= 0, end <= bytes.count else { return bytes }
            if bytes[(offset + 4)..<(offset + 8)].elementsEqual("iCCP".utf8) {
                dropped = true
            } else {
                out += bytes[offset..<end]
            }
            offset = end
        }
        guard dropped else { return bytes }
        out += bytes[offset...]
        return out
    }

    /// Wraps pixels made in memory: `channels` is 1 (grey), 3 (BGR) or 4 (BGRA), rows packed.
    ///
    /// - Throws: ``FaceError`` `corruptImage` when the buffer does not match the size,
    ///   `imageTooLarge`/`imageTooSmall` outside the limits.
    public init(pixels: [UInt8], width: Int, height: Int, channels: Int, limits: Limits = Limits()) throws {
        try Self.check(width: width, height: height, name: "pixel buffer", limits: limits)
        guard [1, 3, 4].contains(channels), pixels.count == width * height * channels else {
            throw FaceError(.corruptImage, "pixel buffer: \(pixels.count) bytes do not make a \(width)×\(height)×\(channels) image")
        }
        var error = [CChar](repeating: 0, count: 256)
        let made = pixels.withUnsafeBufferPointer { p in
            bmcv_image_from_pixels(p.baseAddress, Int32(width), Int32(height), Int32(channels), width * channels, &error, error.count)
        }
        guard let made else { throw FaceError(.corruptImage, "pixel buffer: \(bridgeMessage(error))") }
        handle = made
        self.width = width
        self.height = height
        format = nil
    }

    init(owning handle: OpaquePointer) {
        self.handle = handle
        width = Int(bmcv_image_width(handle))
        height = Int(bmcv_image_height(handle))
        format = nil
    }

    deinit { bmcv_image_free(handle) }

    private static func check(width: Int, height: Int, name: String, limits: Limits) throws {
        guard width > 0, height > 0 else {
            throw FaceError(.corruptImage, "\(name): the header gives an empty size \(width)×\(height)")
        }
        guard width.multipliedReportingOverflow(by: height).partialValue <= limits.maxPixels,
              width <= 1 << 20, height <= 1 << 20 else {
            throw FaceError(.imageTooLarge, "\(name): \(width)×\(height) exceeds the limit of \(limits.maxPixels) pixels; downscale it before submitting")
        }
        guard min(width, height) >= limits.minSide else {
            throw FaceError(.imageTooSmall, "\(name): \(width)×\(height) is too small to hold a face (minimum side \(limits.minSide) px)")
        }
    }

    /// The BGR pixels, rows packed (`width * height * 3` bytes).
    public func bgrPixels() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        _ = out.withUnsafeMutableBufferPointer { bmcv_image_copy_bgr(handle, $0.baseAddress, $0.count) }
        return out
    }

    /// The image encoded as `format` (JPEG, PNG, BMP, PNM as binary PPM, WEBP, or lossless
    /// JPEG 2000).
    ///
    /// - Throws: ``FaceError`` `unsupportedFormat` for GIF, which OpenCV cannot write.
    public func encoded(as format: ImageFormat) throws -> [UInt8] {
        let ext: String
        switch format {
        case .jpeg: ext = ".jpg"
        case .png: ext = ".png"
        case .bmp: ext = ".bmp"
        case .pnm: ext = ".ppm"
        case .webp: ext = ".webp"
        case .jp2: ext = ".jp2"
        case .gif: throw FaceError(.unsupportedFormat, "GIF encoding is not supported")
        }
        var buffer: UnsafeMutablePointer<UInt8>?
        var length = 0
        var error = [CChar](repeating: 0, count: 256)
        // JPEG 2000 at rate 1 (OpenCV's default is 4:1, lossy): a capture keeps its pixels.
        let params: [Int32] = format == .jp2 ? [BMCV_IMWRITE_JPEG2000_COMPRESSION_X1000, 1000] : []
        guard params.withUnsafeBufferPointer({ p in
            bmcv_image_encode(handle, ext, p.baseAddress, p.count, &buffer, &length, &error, error.count)
        }) == 0, let buffer else {
            throw FaceError(.inference, "encoding as \(format.rawValue) failed: \(bridgeMessage(error))")
        }
        defer { bmcv_buffer_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: length))
    }

    // MARK: - Operations used by the pipeline

    func padded(right: Int, bottom: Int) throws -> DecodedImage {
        try Self.make("pad") { bmcv_image_pad(handle, Int32(right), Int32(bottom), $0, $1) }
    }

    /// The image scaled to `width` × `height` (bilinear).
    ///
    /// - Throws: ``FaceError`` when OpenCV cannot resize it.
    public func resized(width: Int, height: Int) throws -> DecodedImage {
        try Self.make("resize") { bmcv_image_resize(handle, Int32(width), Int32(height), $0, $1) }
    }

    func flippedHorizontally() throws -> DecodedImage {
        try Self.make("flip") { bmcv_image_flip_horizontal(handle, $0, $1) }
    }

    func warped(by transform: SimilarityTransform, width: Int, height: Int) throws -> DecodedImage {
        let m = transform.matrix
        return try Self.make("warp") { err, len in
            m.withUnsafeBufferPointer { bmcv_image_warp_affine(handle, $0.baseAddress, Int32(width), Int32(height), err, len) }
        }
    }

    struct RegionStats {
        var mean: Double
        var stddev: Double
        var laplacianVariance: Double
        var darkFraction: Double
        var brightFraction: Double
    }

    func stats(x: Int, y: Int, width: Int, height: Int) -> RegionStats? {
        var s = bmcv_region_stats()
        guard bmcv_image_region_stats(handle, Int32(x), Int32(y), Int32(width), Int32(height), &s) == 0 else { return nil }
        return RegionStats(mean: s.mean, stddev: s.stddev, laplacianVariance: s.laplacian_var,
                           darkFraction: s.dark_fraction, brightFraction: s.bright_fraction)
    }

    private static func make(_ what: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> OpaquePointer?) throws -> DecodedImage {
        var error = [CChar](repeating: 0, count: 256)
        let result: OpaquePointer? = error.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return body(base, buffer.count)
        }
        guard let result else {
            throw FaceError(.inference, "image \(what) failed: \(bridgeMessage(error))")
        }
        return DecodedImage(owning: result)
    }
}
