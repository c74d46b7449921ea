import BiomatchSupport
internal import CBiomatchBridge
import Foundation

/// A decoded fingerprint image and the resolution it was captured at.
///
/// Accepts whatever OpenCV decodes (PNG, BMP, PGM, JPEG, TIFF, WEBP). Immutable and safe
/// to share between tasks.
public final class FingerprintImage: @unchecked Sendable {
    // Immutable after init; bridge calls on it only read.
    let handle: OpaquePointer

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Capture resolution in dots per inch (FVC2002 DB2: 569, the others 500).
    public let dpi: Int

    /// Accepted resolutions, dots per inch. At 200 dpi an average ridge period is about
    /// 3.5 pixels, near the smallest (3) the enhancement resolves; prints resampled that
    /// small (SOCOFing's) still give usable minutiae once resampled back to 500 dpi.
    public static let dpiRange = 200...1000
    /// Largest accepted width × height.
    public static let maxPixels = 4_000_000

    /// Decodes image bytes captured at `dpi`.
    /// - Throws: ``FingerprintError`` `corruptImage`, `invalidResolution`, `imageTooSmall`, `imageTooLarge`.
    public init(bytes: [UInt8], dpi: Int = 500, name: String = "bytes") throws(FingerprintError) {
        guard Self.dpiRange.contains(dpi) else {
            throw FingerprintError(.invalidResolution, "\(name): resolution \(dpi) dpi is outside \(Self.dpiRange.lowerBound)–\(Self.dpiRange.upperBound); pass the sensor's resolution with --dpi")
        }
        var message = [CChar](repeating: 0, count: 256)
        let decoded = bytes.withUnsafeBufferPointer { buf in
            bmcv_image_decode(buf.baseAddress, buf.count, &message, message.count)
        }
        guard let decoded else {
            let reason = bridgeMessage(message)
            throw FingerprintError(.corruptImage, "\(name): \(reason.isEmpty ? "not a decodable image" : reason)")
        }
        let w = Int(bmcv_image_width(decoded)), h = Int(bmcv_image_height(decoded))
        guard w * h <= Self.maxPixels else {
            bmcv_image_free(decoded)
            throw FingerprintError(.imageTooLarge, "\(name): \(w)×\(h) pixels is over the \(Self.maxPixels)-pixel limit")
        }
        let minSide = 64 * dpi / 500
        guard min(w, h) >= minSide else {
            bmcv_image_free(decoded)
            throw FingerprintError(.imageTooSmall, "\(name): \(w)×\(h) pixels is too small for a fingerprint at \(dpi) dpi (at least \(minSide) pixels a side)")
        }
        handle = decoded
        width = w
        height = h
        self.dpi = dpi
    }

    /// Reads and decodes an image file captured at `dpi`.
    ///
    /// - Throws: ``FingerprintError`` `unreadableInput` when the file cannot be read, or as ``init(bytes:dpi:name:)`` for its contents.
    public convenience init(contentsOf url: URL, dpi: Int = 500) throws(FingerprintError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FingerprintError(.unreadableInput, "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), dpi: dpi, name: url.lastPathComponent)
    }

    deinit { bmcv_image_free(handle) }
}

