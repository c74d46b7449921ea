extension FingerMinutiaeRecord {
    /// The largest record either decoder accepts (ISO's 4-byte length allows more; no real
    /// record comes near: 255 views × 255 minutiae × 6 bytes plus extended data).
    public static let maximumEncodedSize = 1 << 20

    /// Decodes an ISO/IEC 19794-2:2005 or ANSI/INCITS 378-2004 record, chosen by its version.
    ///
    /// Validation is strict: the declared length must match the bytes (no trailing data),
    /// every count and block must fit, minutia types, positions, impression types and
    /// qualities must be values the standards allow. The only tolerance is documented on
    /// ``LengthConvention/ansiISOHeaderSize``.
    /// - Throws: ``FingerprintError`` with a record code.
    public init(bytes: [UInt8]) throws(FingerprintError) {
        guard bytes.count <= Self.maximumEncodedSize else {
            throw FingerprintError(.inconsistentRecord, "record of \(bytes.count) bytes is larger than the \(Self.maximumEncodedSize)-byte limit")
        }
        var r = ByteReader(bytes)
        let magic = try r.take(4, "format identifier")
        guard magic == Array("FMR".utf8) + [0] else {
            throw FingerprintError(.unknownFormat, "not a finger minutiae record (no \"FMR\\0\" identifier)")
        }
        let version = try r.take(4, "version")
        let format: FingerRecordFormat
        switch version {
        case Array(" 20".utf8) + [0]: format = .iso19794_2_2005
        case Array("020".utf8) + [0]: format = .ansi378_2004
        default:
            let text = String(decoding: version.prefix(3).map { (0x20...0x7E).contains($0) ? $0 : 0x3F }, as: UTF8.self)
            throw FingerprintError(.unsupportedVersion, "record version \"\(text)\" is not ISO 19794-2:2005 (\" 20\") or ANSI 378-2004 (\"020\")")
        }

        var convention = LengthConvention.exact
        let declared: Int
        var owner: UInt16 = 0, type: UInt16 = 0
        switch format {
        case .iso19794_2_2005:
            declared = Int(try r.u32("record length"))
        case .ansi378_2004:
            let short = try r.u16("record length")
            declared = short != 0 ? Int(short) : Int(try r.u32("extended record length"))
            owner = try r.u16("CBEFF product owner")
            type = try r.u16("CBEFF product type")
        }
        if declared != bytes.count {
            if format == .ansi378_2004, declared + 2 == bytes.count, declared >= 24 {
                convention = .ansiISOHeaderSize
            } else if declared > bytes.count {
                throw FingerprintError(.truncatedRecord, "record declares \(declared) bytes but has \(bytes.count)")
            } else {
                throw FingerprintError(.inconsistentRecord, "record declares \(declared) bytes but has \(bytes.count) (trailing data)")
            }
        }
        let equipment = try r.u16("capture equipment")
        let width = try r.u16("image width")
        let height = try r.u16("image height")
        let resX = try r.u16("x resolution")
        let resY = try r.u16("y resolution")
        let viewCount = Int(try r.u8("number of finger views"))
        let reserved = try r.u8("reserved byte")
        guard viewCount > 0 else {
            throw FingerprintError(.inconsistentRecord, "record has no finger views")
        }
        guard resX > 0, resY > 0 else {
            throw FingerprintError(.invalidField, "resolution \(resX)×\(resY) pixels/cm is not positive")
        }

        var views: [FingerView] = []
        views.reserveCapacity(viewCount)
        for v in 0..<viewCount {
            views.append(try Self.decodeView(&r, index: v, format: format, width: width, height: height))
        }
        guard r.remaining == 0 else {
            throw FingerprintError(.inconsistentRecord, "\(r.remaining) bytes follow the last of \(viewCount) finger views")
        }
        self.format = format
        self.equipmentCertification = UInt8(equipment >> 12)
        self.deviceID = equipment & 0x0FFF
        self.productOwner = owner
        self.productType = type
        self.imageWidth = width
        self.imageHeight = height
        self.resolutionX = resX
        self.resolutionY = resY
        self.reserved = reserved
        self.views = views
        self.lengthConvention = convention
    }

    private static func decodeView(_ r: inout ByteReader, index v: Int, format: FingerRecordFormat,
                                   width: UInt16, height: UInt16) throws(FingerprintError) -> FingerView {
        let position = try r.u8("view \(v) finger position")
        let viewImpression = try r.u8("view \(v) view number")
        let quality = try r.u8("view \(v) quality")
        let count = Int(try r.u8("view \(v) minutia count"))
        guard position <= 10 else {
            throw FingerprintError(.invalidField, "view \(v): finger position \(position) is not 0–10")
        }
        let impression = viewImpression & 0x0F
        guard [0, 1, 2, 3, 8, 9].contains(impression) else {
            throw FingerprintError(.invalidField, "view \(v): impression type \(impression) is not defined")
        }
        guard quality <= 100 else {
            throw FingerprintError(.invalidField, "view \(v): finger quality \(quality) is above 100")
        }
        var minutiae: [RecordMinutia] = []
        minutiae.reserveCapacity(count)
        for m in 0..<count {
            let xField = try r.u16("view \(v) minutia \(m) x")
            let yField = try r.u16("view \(v) minutia \(m) y")
            let angle = try r.u8("view \(v) minutia \(m) angle")
            let mq = try r.u8("view \(v) minutia \(m) quality")
            guard let type = RecordMinutiaType(rawValue: UInt8(xField >> 14)) else {
                throw FingerprintError(.invalidField, "view \(v) minutia \(m): type code 11 is reserved")
            }
            guard mq <= 100 else {
                throw FingerprintError(.invalidField, "view \(v) minutia \(m): quality \(mq) is above 100")
            }
            minutiae.append(RecordMinutia(type: type, x: xField & 0x3FFF, y: yField & 0x3FFF,
                                          angleCode: angle, quality: mq, reservedBits: UInt8(yField >> 14)))
        }
        let extLength = Int(try r.u16("view \(v) extended data length"))
        var blocks: [ExtendedDataBlock] = []
        if extLength > 0 {
            var ext = ByteReader(r.bytes, offset: r.offset, end: r.offset + extLength)
            guard ext.remaining == extLength else {
                throw FingerprintError(.truncatedRecord, "view \(v): extended data of \(extLength) bytes runs past the record's end")
            }
            while ext.remaining > 0 {
                let typeCode = try ext.u16("view \(v) extended block type")
                let length = Int(try ext.u16("view \(v) extended block length"))
                // The standards count the 4-byte header; some exporters do not. Take the
                // reading that ends exactly at the area's end, else the standard one.
                let withHeader = length >= 4 && length - 4 <= ext.remaining
                let withoutHeader = length <= ext.remaining
                let includesHeader: Bool
                if withHeader && length - 4 == ext.remaining {
                    includesHeader = true
                } else if withoutHeader && length == ext.remaining {
                    includesHeader = false
                } else if withHeader {
                    includesHeader = true
                } else {
                    throw FingerprintError(.inconsistentRecord, "view \(v): extended block of length \(length) does not fit the \(ext.remaining + 4) bytes left")
                }
                let data = try ext.take(includesHeader ? length - 4 : length, "view \(v) extended block data")
                guard typeCode != 0 else {
                    throw FingerprintError(.invalidField, "view \(v): extended block type 0 is reserved")
                }
                blocks.append(ExtendedDataBlock(typeCode: typeCode, data: data, lengthIncludesHeader: includesHeader))
            }
            _ = try r.take(extLength, "view \(v) extended data")
        }
        return FingerView(position: position, viewNumber: viewImpression >> 4, impressionType: impression,
                          quality: quality, minutiae: minutiae, extendedData: blocks)
    }

    /// Encodes the record in its ``format``.
    /// - Throws: ``FingerprintError/Code/unencodable`` when a count or field does not fit.
    public func encoded() throws(FingerprintError) -> [UInt8] {
        guard !views.isEmpty, views.count <= 255 else {
            throw FingerprintError(.unencodable, "a record holds 1–255 finger views, not \(views.count)")
        }
        var w = ByteWriter()
        w.append(Array("FMR".utf8) + [0])
        let lengthOffset: Int
        switch format {
        case .iso19794_2_2005:
            w.append(Array(" 20".utf8) + [0])
            lengthOffset = 8
            w.u32(0)
        case .ansi378_2004:
            w.append(Array("020".utf8) + [0])
            lengthOffset = 8
            w.u16(0)
            w.u16(productOwner)
            w.u16(productType)
        }
        guard equipmentCertification < 16, deviceID < 4096 else {
            throw FingerprintError(.unencodable, "capture equipment flags \(equipmentCertification) or device id \(deviceID) out of range")
        }
        w.u16(UInt16(equipmentCertification) << 12 | deviceID)
        w.u16(imageWidth); w.u16(imageHeight); w.u16(resolutionX); w.u16(resolutionY)
        w.u8(UInt8(views.count)); w.u8(reserved)
        for (v, view) in views.enumerated() {
            guard view.minutiae.count <= 255, view.viewNumber < 16, view.impressionType < 16, view.quality <= 100, view.position <= 10 else {
                throw FingerprintError(.unencodable, "view \(v): a field is out of range (at most 255 minutiae, view < 16, quality ≤ 100, position ≤ 10)")
            }
            w.u8(view.position); w.u8(view.viewNumber << 4 | view.impressionType); w.u8(view.quality)
            w.u8(UInt8(view.minutiae.count))
            for (m, minutia) in view.minutiae.enumerated() {
                guard minutia.x < 0x4000, minutia.y < 0x4000, minutia.reservedBits < 4, minutia.quality <= 100 else {
                    throw FingerprintError(.unencodable, "view \(v) minutia \(m): coordinate above 16383 or quality above 100")
                }
                w.u16(UInt16(minutia.type.rawValue) << 14 | minutia.x)
                w.u16(UInt16(minutia.reservedBits) << 14 | minutia.y)
                w.u8(minutia.angleCode); w.u8(minutia.quality)
            }
            var ext = 0
            for block in view.extendedData { ext += block.data.count + 4 }
            guard ext <= 0xFFFF else { throw FingerprintError(.unencodable, "view \(v): extended data over 65535 bytes") }
            w.u16(UInt16(ext))
            for block in view.extendedData {
                w.u16(block.typeCode)
                w.u16(UInt16(block.data.count + (block.lengthIncludesHeader ? 4 : 0)))
                w.append(block.data)
            }
        }
        var total = w.bytes.count
        switch format {
        case .iso19794_2_2005:
            w.patchU32(at: lengthOffset, UInt32(total))
        case .ansi378_2004:
            if lengthConvention == .ansiISOHeaderSize { total -= 2 }
            if total <= 0xFFFF {
                w.patchU16(at: lengthOffset, UInt16(total))
            } else {
                // Long form: 0x0000 then a 4-byte length, which grows the record by 4.
                var long = w.bytes
                long.insert(contentsOf: [0, 0, 0, 0], at: lengthOffset + 2)
                var lw = ByteWriter()
                lw.append(long)
                lw.patchU32(at: lengthOffset + 2, UInt32(total + 4))
                return lw.bytes
            }
        }
        return w.bytes
    }
}
