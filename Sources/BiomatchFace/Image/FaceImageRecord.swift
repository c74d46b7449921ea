/// An ISO/IEC 19794-5:2005 face image record holding one facial image: how a terminal
/// sends the capture itself, so that the engine extracts the template and scores liveness
/// on pixels it decoded, not on numbers a terminal wrote.
///
/// Layout (big-endian): the record header — `"FAC\0"`, version `"010\0"`, record length
/// (4 bytes), number of facial images (2) — then one facial record data block: its length
/// (4), the facial information (feature point count, gender, eye colour, hair colour,
/// feature mask (3), expression (2), pose angles yaw/pitch/roll and their uncertainties
/// (3 + 3)), 8 bytes per feature point, the image information (face image type, image data
/// type, width, height, colour space, source type, device type (2), quality (2)) and the
/// image data. Biomatch takes JPEG (type 0) or JPEG 2000 in the JP2 file format (type 1)
/// and one image per record; decoding then encoding gives back the same bytes. A capture
/// that is not a JPEG already travels as lossless JPEG 2000, so the engine judges the
/// pixels the terminal saw (a colour-texture PAD reads chroma that JPEG subsampling blurs).
public struct FaceImageRecord: Sendable, Hashable {
    /// One feature point (8 bytes: type, major/minor code, x, y, 2 reserved).
    public struct FeaturePoint: Sendable, Hashable {
        /// Feature point type (1: MPEG-4 feature point).
        public var type: UInt8
        /// Major code (high 4 bits) and minor code (low 4 bits).
        public var code: UInt8
        /// Column in pixels.
        public var x: UInt16
        /// Row in pixels.
        public var y: UInt16
        /// The reserved bytes, kept for byte-exact round trips.
        public var reserved: UInt16

        /// A feature point.
        public init(type: UInt8, code: UInt8, x: UInt16, y: UInt16, reserved: UInt16 = 0) {
            self.type = type
            self.code = code
            self.x = x
            self.y = y
            self.reserved = reserved
        }
    }

    /// Gender code (0 unspecified, 1 male, 2 female, 0xFF unknown).
    public var gender: UInt8 = 0
    /// Eye colour code (0 unspecified).
    public var eyeColour: UInt8 = 0
    /// Hair colour code (0 unspecified).
    public var hairColour: UInt8 = 0
    /// Feature mask (24 bits).
    public var featureMask: UInt32 = 0
    /// Expression code (0 unspecified, 1 neutral).
    public var expression: UInt16 = 0
    /// Pose angles yaw, pitch, roll as coded (0 unspecified).
    public var poseAngles: [UInt8] = [0, 0, 0]
    /// Pose angle uncertainties as coded.
    public var poseUncertainties: [UInt8] = [0, 0, 0]
    /// Feature points.
    public var featurePoints: [FeaturePoint] = []
    /// Face image type (0 basic, 1 full frontal, 2 token frontal).
    public var faceImageType: UInt8 = 0
    /// Width of the image in pixels, as the record states it.
    public var width: UInt16
    /// Height of the image in pixels, as the record states it.
    public var height: UInt16
    /// Image colour space (0 unspecified, 1 24-bit RGB, 2 YUV422, 3 8-bit greyscale, 4 other).
    public var colourSpace: UInt8 = 1
    /// Source type (6: video frame from a digital camera).
    public var sourceType: UInt8 = 6
    /// Capture device type (0 unspecified).
    public var deviceType: UInt16 = 0
    /// Image quality (0 unspecified).
    public var quality: UInt16 = 0
    /// Image data type: 0 JPEG, 1 JPEG 2000.
    public var imageDataType: UInt8
    /// The JPEG or JP2 image.
    public var imageData: [UInt8]

    static let headerBytes = 14
    static let informationBytes = 20
    static let imageInformationBytes = 12
    static let dataTypes: [UInt8: ImageFormat] = [0: .jpeg, 1: .jp2]

    /// A record around a JPEG or JP2 image of `width` × `height` pixels.
    ///
    /// - Throws: ``FaceError`` `invalidRecord` when the data is neither or the size does
    ///   not fit the record's 16-bit fields.
    public init(imageData: [UInt8], width: Int, height: Int) throws {
        guard let format = ImageFormat(sniffing: imageData), let type = Self.dataTypes.first(where: { $0.value == format })?.key else {
            throw FaceError(.invalidRecord, "an ISO/IEC 19794-5 record carries a JPEG or JPEG 2000 (JP2) image; this data is neither")
        }
        guard (1...Int(UInt16.max)).contains(width), (1...Int(UInt16.max)).contains(height) else {
            throw FaceError(.invalidRecord, "an image of \(width)×\(height) does not fit an ISO/IEC 19794-5 record")
        }
        self.width = UInt16(width)
        self.height = UInt16(height)
        imageDataType = type
        self.imageData = imageData
    }

    /// A record of `image`: its own bytes when it is a JPEG or JP2 already (not compressed
    /// twice), otherwise lossless JPEG 2000.
    ///
    /// - Throws: ``FaceError`` when the image cannot be encoded.
    public init(image: DecodedImage, originalBytes: [UInt8]? = nil) throws {
        if let originalBytes, image.format == .jpeg || image.format == .jp2 {
            try self.init(imageData: originalBytes, width: image.width, height: image.height)
        } else {
            try self.init(imageData: try image.encoded(as: .jp2), width: image.width, height: image.height)
        }
    }

    /// Decodes a record.
    ///
    /// - Throws: ``FaceError`` `invalidRecord` naming the field that is truncated,
    ///   inconsistent or of a kind Biomatch does not take (several images, JPEG 2000).
    public init(bytes: [UInt8]) throws {
        let r = _ByteReader(bytes)
        func fail(_ message: String) -> FaceError { FaceError(.invalidRecord, "ISO/IEC 19794-5 record: \(message)") }
        guard bytes.count > Self.headerBytes + Self.informationBytes + Self.imageInformationBytes else {
            throw fail("\(bytes.count) bytes cannot hold a header, a facial information block, an image information block and an image")
        }
        guard Array(bytes[0..<4]) == Array("FAC\0".utf8) else { throw fail("the bytes do not start with the format identifier \"FAC\"") }
        guard Array(bytes[4..<8]) == Array("010\0".utf8) else { throw fail("version \"\(String(decoding: bytes[4..<7], as: UTF8.self))\" is not 010 (ISO/IEC 19794-5:2005)") }
        guard let length = r.u32be(8), Int(length) == bytes.count else {
            throw fail("the record length field says \(r.u32be(8).map(String.init) ?? "?") bytes; the record has \(bytes.count)")
        }
        guard let images = r.u16be(12), images == 1 else {
            throw fail("it holds \(r.u16be(12).map(String.init) ?? "?") facial images; Biomatch takes exactly one per object")
        }
        guard let blockLength = r.u32be(14), Int(blockLength) == bytes.count - Self.headerBytes else {
            throw fail("the facial record data length disagrees with the record length")
        }
        guard let pointCount = r.u16be(18) else { throw fail("truncated facial information") }
        var offset = 20
        gender = bytes[offset]; eyeColour = bytes[offset + 1]; hairColour = bytes[offset + 2]
        featureMask = UInt32(bytes[offset + 3]) << 16 | UInt32(bytes[offset + 4]) << 8 | UInt32(bytes[offset + 5])
        expression = r.u16be(offset + 6) ?? 0
        poseAngles = Array(bytes[(offset + 8)..<(offset + 11)])
        poseUncertainties = Array(bytes[(offset + 11)..<(offset + 14)])
        offset += 14
        let imageStart = offset + 8 * Int(pointCount) + Self.imageInformationBytes
        guard imageStart < bytes.count else {
            throw fail("\(pointCount) feature points and the image information leave no image data")
        }
        featurePoints = (0..<Int(pointCount)).map { i in
            let at = offset + 8 * i
            return FeaturePoint(type: bytes[at], code: bytes[at + 1], x: r.u16be(at + 2) ?? 0, y: r.u16be(at + 4) ?? 0,
                                reserved: r.u16be(at + 6) ?? 0)
        }
        offset += 8 * Int(pointCount)
        faceImageType = bytes[offset]
        imageDataType = bytes[offset + 1]
        guard let expected = Self.dataTypes[imageDataType] else {
            throw fail("image data type \(imageDataType) is not defined (0 JPEG, 1 JPEG 2000)")
        }
        width = r.u16be(offset + 2) ?? 0
        height = r.u16be(offset + 4) ?? 0
        colourSpace = bytes[offset + 6]
        sourceType = bytes[offset + 7]
        deviceType = r.u16be(offset + 8) ?? 0
        quality = r.u16be(offset + 10) ?? 0
        imageData = Array(bytes[imageStart...])
        guard ImageFormat(sniffing: imageData) == expected else {
            throw fail("the image data type says \(expected == .jpeg ? "JPEG" : "JPEG 2000 (JP2 file format)") but the data is not one")
        }
        guard width > 0, height > 0 else { throw fail("the image information gives an empty size \(width)×\(height)") }
    }

    /// The record's bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = Array("FAC\0".utf8) + Array("010\0".utf8)
        func u16(_ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
        let block = Self.informationBytes + 8 * featurePoints.count + Self.imageInformationBytes + imageData.count
        u32(UInt32(Self.headerBytes + block))
        u16(1)
        u32(UInt32(block))
        u16(UInt16(featurePoints.count))
        out += [gender, eyeColour, hairColour, UInt8(featureMask >> 16 & 0xFF), UInt8(featureMask >> 8 & 0xFF), UInt8(featureMask & 0xFF)]
        u16(expression)
        out += (poseAngles + [0, 0, 0]).prefix(3)
        out += (poseUncertainties + [0, 0, 0]).prefix(3)
        for p in featurePoints {
            out += [p.type, p.code]
            u16(p.x); u16(p.y); u16(p.reserved)
        }
        out += [faceImageType, imageDataType]
        u16(width); u16(height)
        out += [colourSpace, sourceType]
        u16(deviceType); u16(quality)
        out += imageData
        return out
    }

    /// Decodes the image (header checks and limits as for any ``DecodedImage``) and checks
    /// that its size is the one the record states.
    ///
    /// - Throws: ``FaceError`` from decoding, or `invalidRecord` when the sizes disagree.
    public func decodedImage(limits: DecodedImage.Limits = DecodedImage.Limits()) throws -> DecodedImage {
        let image = try DecodedImage(bytes: imageData, name: "face image record", limits: limits)
        guard image.width == Int(width), image.height == Int(height) else {
            throw FaceError(.invalidRecord, "ISO/IEC 19794-5 record: the record states \(width)×\(height) but its image is \(image.width)×\(image.height)")
        }
        return image
    }
}
