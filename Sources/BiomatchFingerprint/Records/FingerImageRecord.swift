import BiomatchSupport
internal import CBiomatchBridge

/// An ISO/IEC 19794-4:2005 finger image record holding one finger view: how a terminal
/// sends the capture itself, so that the engine extracts the minutiae and scores liveness
/// on the image, not on numbers a terminal wrote.
///
/// Layout (big-endian): a 32-byte general header — `"FIR\0"`, version `"010\0"`, record
/// length (6 bytes), capture device id (2), image acquisition level (2), number of fingers
/// (1), scale units (1: pixels per inch, 2: per centimetre), scan resolution h/v (2 + 2),
/// image resolution h/v (2 + 2), pixel depth (1), compression algorithm (1), reserved (2) —
/// then per finger a 14-byte header — data block length (4), finger position (1), count
/// of views (1), view number (1), quality (1), impression type (1), width (2), height (2),
/// reserved (1) — and the image data. Biomatch takes one finger view per record, 8-bit
/// grey, uncompressed (0), JPEG (3) or PNG (5); decoding then encoding gives back the
/// same bytes.
public struct FingerImageRecord: Sendable, Hashable {
    /// How the image data is stored.
    public enum Compression: UInt8, Sendable, Hashable {
        /// Rows of 8-bit grey pixels, no packing.
        case uncompressed = 0
        /// JPEG (lossy; accepted, not recommended for matching).
        case jpeg = 3
        /// PNG (lossless).
        case png = 5
    }

    /// Capture device id.
    public var deviceID: UInt16 = 0
    /// Image acquisition level (31: 500 ppi, 8-bit grey).
    public var acquisitionLevel: UInt16 = 31
    /// Scale units: 1 pixels per inch, 2 pixels per centimetre.
    public var scaleUnits: UInt8 = 1
    /// Horizontal scan resolution, in ``scaleUnits``.
    public var scanResolutionX: UInt16 = 500
    /// Vertical scan resolution, in ``scaleUnits``.
    public var scanResolutionY: UInt16 = 500
    /// Horizontal image resolution, in ``scaleUnits``.
    public var imageResolutionX: UInt16 = 500
    /// Vertical image resolution, in ``scaleUnits``.
    public var imageResolutionY: UInt16 = 500
    /// Bits per pixel (8).
    public var pixelDepth: UInt8 = 8
    /// How the image is stored.
    public var compression: Compression
    /// The reserved header bytes, kept for byte-exact round trips.
    public var reserved: UInt16 = 0
    /// Finger position code 0–10 (``FingerPosition``).
    public var position: UInt8
    /// View number.
    public var viewNumber: UInt8 = 1
    /// Finger image quality 0–100 (254: not computed).
    public var quality: UInt8 = 254
    /// Impression type (0 live plain).
    public var impressionType: UInt8 = 0
    /// Width in pixels.
    public var width: UInt16
    /// Height in pixels.
    public var height: UInt16
    /// The view header's reserved byte.
    public var viewReserved: UInt8 = 0
    /// The image data as stored.
    public var imageData: [UInt8]

    static let generalHeaderBytes = 32
    static let viewHeaderBytes = 14

    /// A record of an image file's bytes captured at `dpi`: PNG and JPEG are carried as they
    /// are; any other format OpenCV reads (BMP, PGM, TIFF) is re-encoded as PNG.
    ///
    /// - Throws: ``FingerprintError`` as ``FingerprintImage/init(bytes:dpi:name:)``, or
    ///   `invalidField` for a position outside 0–10.
    public init(imageFile bytes: [UInt8], dpi: Int, position: FingerPosition) throws(FingerprintError) {
        let image = try FingerprintImage(bytes: bytes, dpi: dpi, name: "finger image")
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.starts(with: png) {
            compression = .png
            imageData = bytes
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            compression = .jpeg
            imageData = bytes
        } else {
            compression = .png
            imageData = try image.encodedPNG()
        }
        self.position = position.rawValue
        width = UInt16(clamping: image.width)
        height = UInt16(clamping: image.height)
        let resolution = UInt16(clamping: dpi)
        (scanResolutionX, scanResolutionY, imageResolutionX, imageResolutionY) = (resolution, resolution, resolution, resolution)
        acquisitionLevel = dpi >= 1000 ? 41 : dpi > 500 ? 40 : 31
    }

    /// Decodes a record.
    ///
    /// - Throws: ``FingerprintError`` `truncatedRecord`, `unknownFormat`, `unsupportedVersion`,
    ///   `inconsistentRecord` or `invalidField`, naming the field; several finger views,
    ///   WSQ and JPEG 2000 are refused with a message saying what Biomatch takes.
    public init(bytes: [UInt8]) throws(FingerprintError) {
        var r = ByteReader(bytes)
        guard try r.take(4, "format identifier") == Array("FIR\0".utf8) else {
            throw FingerprintError(.unknownFormat, "the bytes do not start with the finger image record identifier \"FIR\"")
        }
        let version = try r.take(4, "version")
        guard version == Array("010\0".utf8) else {
            throw FingerprintError(.unsupportedVersion, "finger image record version \"\(String(decoding: version.prefix(3), as: UTF8.self))\" is not 010 (ISO/IEC 19794-4:2005)")
        }
        let length = UInt64(try r.u16("record length")) << 32 | UInt64(try r.u32("record length"))
        guard length == UInt64(bytes.count) else {
            throw FingerprintError(.inconsistentRecord, "the record length field says \(length) bytes; the record has \(bytes.count)")
        }
        deviceID = try r.u16("capture device id")
        acquisitionLevel = try r.u16("image acquisition level")
        let fingers = try r.u8("number of fingers")
        guard fingers == 1 else {
            throw FingerprintError(.invalidField, "the record holds \(fingers) finger images; Biomatch takes exactly one per object")
        }
        scaleUnits = try r.u8("scale units")
        guard scaleUnits == 1 || scaleUnits == 2 else {
            throw FingerprintError(.invalidField, "scale units \(scaleUnits) is neither 1 (pixels per inch) nor 2 (pixels per centimetre)")
        }
        scanResolutionX = try r.u16("horizontal scan resolution")
        scanResolutionY = try r.u16("vertical scan resolution")
        imageResolutionX = try r.u16("horizontal image resolution")
        imageResolutionY = try r.u16("vertical image resolution")
        pixelDepth = try r.u8("pixel depth")
        let code = try r.u8("compression algorithm")
        guard let compression = Compression(rawValue: code) else {
            let names: [UInt8: String] = [1: "bit-packed raw", 2: "WSQ", 4: "JPEG 2000"]
            throw FingerprintError(.invalidField, "\(names[code] ?? "compression \(code)") image data is not decoded by this build; send PNG (5), JPEG (3) or 8-bit raw (0)")
        }
        self.compression = compression
        guard pixelDepth == 8 else {
            throw FingerprintError(.invalidField, "pixel depth \(pixelDepth) bits: Biomatch takes 8-bit grey finger images")
        }
        reserved = try r.u16("reserved")
        let blockLength = try r.u32("finger data block length")
        guard Int(blockLength) == bytes.count - Self.generalHeaderBytes else {
            throw FingerprintError(.inconsistentRecord, "the finger data block length \(blockLength) disagrees with the record (\(bytes.count - Self.generalHeaderBytes) bytes follow the header)")
        }
        position = try r.u8("finger position")
        guard position <= 10 else { throw FingerprintError(.invalidField, "finger position \(position) is not a finger (0–10)") }
        let views = try r.u8("count of views")
        guard views == 1 else {
            throw FingerprintError(.invalidField, "the finger carries \(views) views; Biomatch takes one view per object")
        }
        viewNumber = try r.u8("view number")
        quality = try r.u8("finger image quality")
        impressionType = try r.u8("impression type")
        width = try r.u16("horizontal line length")
        height = try r.u16("vertical line length")
        viewReserved = try r.u8("reserved")
        imageData = try r.take(r.remaining, "image data")
        guard width > 0, height > 0, !imageData.isEmpty else {
            throw FingerprintError(.invalidField, "the finger image is empty (\(width)×\(height), \(imageData.count) bytes)")
        }
        if compression == .uncompressed, imageData.count != Int(width) * Int(height) {
            throw FingerprintError(.inconsistentRecord, "uncompressed image data of \(imageData.count) bytes is not \(width)×\(height) 8-bit pixels")
        }
        _ = try dpi
    }

    /// The record's bytes.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.append(Array("FIR\0".utf8))
        w.append(Array("010\0".utf8))
        let length = UInt64(Self.generalHeaderBytes + Self.viewHeaderBytes + imageData.count)
        w.u16(UInt16(length >> 32 & 0xFFFF))
        w.u32(UInt32(length & 0xFFFF_FFFF))
        w.u16(deviceID)
        w.u16(acquisitionLevel)
        w.u8(1)
        w.u8(scaleUnits)
        w.u16(scanResolutionX); w.u16(scanResolutionY)
        w.u16(imageResolutionX); w.u16(imageResolutionY)
        w.u8(pixelDepth)
        w.u8(compression.rawValue)
        w.u16(reserved)
        w.u32(UInt32(Self.viewHeaderBytes + imageData.count))
        w.u8(position)
        w.u8(1)
        w.u8(viewNumber)
        w.u8(quality)
        w.u8(impressionType)
        w.u16(width); w.u16(height)
        w.u8(viewReserved)
        w.append(imageData)
        return w.bytes
    }

    /// The image resolution in dots per inch (pixels per centimetre × 2.54, rounded).
    ///
    /// - Throws: ``FingerprintError`` `invalidResolution` when the horizontal and vertical
    ///   resolutions differ by more than 2 % or the resolution is outside 200–1000 dpi.
    public var dpi: Int {
        get throws(FingerprintError) {
            let (h, v) = (Double(imageResolutionX), Double(imageResolutionY))
            guard h > 0, v > 0, abs(h - v) <= 0.02 * max(h, v) else {
                throw FingerprintError(.invalidResolution, "the finger image's resolution is \(imageResolutionX)×\(imageResolutionY); Biomatch takes square pixels")
            }
            let dpi = Int((scaleUnits == 2 ? h * 2.54 : h).rounded())
            guard FingerprintImage.dpiRange.contains(dpi) else {
                throw FingerprintError(.invalidResolution, "the finger image's resolution \(dpi) dpi is outside \(FingerprintImage.dpiRange.lowerBound)–\(FingerprintImage.dpiRange.upperBound)")
            }
            return dpi
        }
    }

    /// The image as a file OpenCV decodes: the PNG or JPEG as stored, raw pixels as a PGM.
    public var imageFileBytes: [UInt8] {
        guard compression == .uncompressed else { return imageData }
        return Array("P5\n\(width) \(height)\n255\n".utf8) + imageData
    }

    /// The decoded image at the record's resolution, checked against the record's size.
    ///
    /// - Throws: ``FingerprintError`` from decoding, `invalidResolution`, or
    ///   `inconsistentRecord` when the image's size differs from the record's.
    public func fingerprintImage() throws(FingerprintError) -> FingerprintImage {
        let image = try FingerprintImage(bytes: imageFileBytes, dpi: try dpi, name: "finger image record")
        guard image.width == Int(width), image.height == Int(height) else {
            throw FingerprintError(.inconsistentRecord, "the record states \(width)×\(height) but its image is \(image.width)×\(image.height)")
        }
        return image
    }
}

extension FingerprintImage {
    /// The image encoded as PNG.
    ///
    /// - Throws: ``FingerprintError`` `corruptImage` when OpenCV cannot encode it.
    func encodedPNG() throws(FingerprintError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        guard bmcv_image_encode(handle, ".png", nil, 0, &buffer, &length, &message, message.count) == 0, let buffer else {
            throw FingerprintError(.corruptImage, "the finger image could not be encoded as PNG: \(bridgeMessage(message))")
        }
        defer { bmcv_buffer_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: length))
    }
}
