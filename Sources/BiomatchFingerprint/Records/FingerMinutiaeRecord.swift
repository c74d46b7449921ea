/// The two finger-minutiae interchange formats Biomatch reads and writes.
public enum FingerRecordFormat: String, Sendable, Hashable, CaseIterable {
    /// ISO/IEC 19794-2:2005: version " 20", 4-byte length, 24-byte header, angles in 360/256°.
    case iso19794_2_2005 = "iso"
    /// ANSI/INCITS 378-2004: version "020", 2- or 6-byte length, CBEFF product id, angles in 2°.
    case ansi378_2004 = "ansi"
}

/// Minutia type as coded in the 2 high bits of the x field.
public enum RecordMinutiaType: UInt8, Sendable, Hashable {
    /// 00: other (neither ending nor bifurcation).
    case other = 0
    /// 01: ridge ending.
    case ridgeEnding = 1
    /// 10: ridge bifurcation.
    case bifurcation = 2
}

/// One minutia exactly as a record stores it (6 bytes).
public struct RecordMinutia: Sendable, Hashable {
    /// Ending, bifurcation or other.
    public var type: RecordMinutiaType
    /// Column in pixels (14 bits).
    public var x: UInt16
    /// Row in pixels from the top (14 bits).
    public var y: UInt16
    /// The 2 reserved bits above y, kept so that re-encoding gives back the same bytes.
    public var reservedBits: UInt8
    /// The angle byte as stored: ISO units of 360/256°, ANSI units of 2°,
    /// counter-clockwise from the x axis with y pointing down.
    public var angleCode: UInt8
    /// Minutia quality 0–100 (0 = not reported).
    public var quality: UInt8

    /// Creates a minutia.
    public init(type: RecordMinutiaType, x: UInt16, y: UInt16, angleCode: UInt8, quality: UInt8, reservedBits: UInt8 = 0) {
        self.type = type
        self.x = x
        self.y = y
        self.angleCode = angleCode
        self.quality = quality
        self.reservedBits = reservedBits
    }

    /// The direction in radians in `format`'s angle unit.
    public func angleRadians(in format: FingerRecordFormat) -> Double {
        let degrees = format == .iso19794_2_2005 ? Double(angleCode) * 360 / 256 : Double(angleCode) * 2
        return degrees * .pi / 180
    }

    /// The angle byte for `radians` in `format`'s unit (rounded, wrapped into range).
    public static func angleCode(radians: Double, format: FingerRecordFormat) -> UInt8 {
        var degrees = (radians * 180 / .pi).truncatingRemainder(dividingBy: 360)
        if degrees < 0 { degrees += 360 }
        switch format {
        case .iso19794_2_2005: return UInt8(Int((degrees * 256 / 360).rounded()) % 256)
        case .ansi378_2004: return UInt8(Int((degrees / 2).rounded()) % 180)
        }
    }
}

/// One block of a view's extended data, kept byte for byte.
public struct ExtendedDataBlock: Sendable, Hashable {
    /// Type code: 0x0001 ridge counts, 0x0002 core and delta, others vendor-defined.
    public var typeCode: UInt16
    /// The block's data, without its 4-byte type/length header.
    public var data: [UInt8]
    /// Whether the block's length field counts its own 4-byte header. The standards count
    /// it; some exporters write the data length alone, so the decoder takes the reading
    /// that fills the declared extended-data area exactly and the encoder repeats it.
    public var lengthIncludesHeader: Bool

    /// Creates a block.
    public init(typeCode: UInt16, data: [UInt8], lengthIncludesHeader: Bool = true) {
        self.typeCode = typeCode
        self.data = data
        self.lengthIncludesHeader = lengthIncludesHeader
    }

    /// One ridge count between two minutiae (indices into the view's minutiae).
    public struct RidgeCount: Sendable, Hashable {
        /// Index of the first minutia.
        public var from: UInt8
        /// Index of the second minutia.
        public var to: UInt8
        /// Ridges crossed between them.
        public var count: UInt8
    }

    /// For a ridge-count block (type 1): the extraction method byte and the complete
    /// (from, to, count) triples; a trailing partial triple is ignored. `nil` for other types.
    public var ridgeCounts: (method: UInt8, counts: [RidgeCount])? {
        guard typeCode == 0x0001, let method = data.first else { return nil }
        var counts: [RidgeCount] = []
        var i = 1
        while i + 3 <= data.count {
            counts.append(RidgeCount(from: data[i], to: data[i + 1], count: data[i + 2]))
            i += 3
        }
        return (method, counts)
    }
}

/// Finger position codes (ISO/IEC 19794-2 and ANSI/INCITS 378 table 2).
public enum FingerPosition: UInt8, Sendable, Hashable, CaseIterable {
    case unknown = 0, rightThumb, rightIndex, rightMiddle, rightRing, rightLittle
    case leftThumb, leftIndex, leftMiddle, leftRing, leftLittle
}

/// One finger view: a finger's minutiae from one impression.
public struct FingerView: Sendable, Hashable {
    /// Finger position code 0–10 (see ``FingerPosition``).
    public var position: UInt8
    /// View number 0–15 (several impressions of one finger).
    public var viewNumber: UInt8
    /// Impression type: 0 live plain, 1 live rolled, 2 non-live plain, 3 non-live rolled,
    /// 8 swipe (ISO), 9 live contactless.
    public var impressionType: UInt8
    /// Finger quality 0–100.
    public var quality: UInt8
    /// The minutiae, at most 255.
    public var minutiae: [RecordMinutia]
    /// Extended data blocks, kept whether or not Biomatch interprets them.
    public var extendedData: [ExtendedDataBlock]

    /// Creates a view.
    public init(position: UInt8, viewNumber: UInt8 = 0, impressionType: UInt8 = 0, quality: UInt8,
                minutiae: [RecordMinutia], extendedData: [ExtendedDataBlock] = []) {
        self.position = position
        self.viewNumber = viewNumber
        self.impressionType = impressionType
        self.quality = quality
        self.minutiae = minutiae
        self.extendedData = extendedData
    }
}

/// A finger minutiae record (ISO/IEC 19794-2:2005 or ANSI/INCITS 378-2004): a general
/// header and one or more finger views. Decode with ``init(bytes:)``; encode with
/// ``encoded()``. Decoding then encoding gives back the same bytes.
public struct FingerMinutiaeRecord: Sendable, Hashable {
    /// Which standard the record follows.
    public var format: FingerRecordFormat
    /// Capture equipment certification flags (4 bits).
    public var equipmentCertification: UInt8
    /// Capture device id (12 bits).
    public var deviceID: UInt16
    /// ANSI only: CBEFF product identifier owner (0 for ISO).
    public var productOwner: UInt16
    /// ANSI only: CBEFF product identifier type (0 for ISO).
    public var productType: UInt16
    /// Image width in pixels.
    public var imageWidth: UInt16
    /// Image height in pixels.
    public var imageHeight: UInt16
    /// Horizontal resolution in pixels per centimetre (197 ≈ 500 dpi).
    public var resolutionX: UInt16
    /// Vertical resolution in pixels per centimetre.
    public var resolutionY: UInt16
    /// The reserved header byte, kept for byte-exact round trips.
    public var reserved: UInt8
    /// The finger views, at most 255.
    public var views: [FingerView]
    /// How the length field was (or will be) written; see ``LengthConvention``.
    public var lengthConvention: LengthConvention

    /// How a record's length field relates to its bytes.
    public enum LengthConvention: Sendable, Hashable {
        /// The length field equals the record's size (what both standards require).
        case exact
        /// ANSI only: the length field is 2 less than the record's size, as written by
        /// exporters that count a 24-byte ISO header instead of ANSI's 26. Accepted on
        /// decode (only this exact offset) so such records round-trip; never the default.
        case ansiISOHeaderSize
    }

    /// Creates a record.
    public init(format: FingerRecordFormat, imageWidth: UInt16, imageHeight: UInt16,
                resolutionX: UInt16 = 197, resolutionY: UInt16 = 197, views: [FingerView],
                equipmentCertification: UInt8 = 0, deviceID: UInt16 = 0,
                productOwner: UInt16 = 0, productType: UInt16 = 0) {
        self.format = format
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.resolutionX = resolutionX
        self.resolutionY = resolutionY
        self.views = views
        self.equipmentCertification = equipmentCertification
        self.deviceID = deviceID
        self.productOwner = productOwner
        self.productType = productType
        self.reserved = 0
        self.lengthConvention = .exact
    }
}
