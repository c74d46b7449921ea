/// A fingerprint's ridge orientation field, block by block: the ridge flow a matcher can
/// compare where minutiae are few (dry, partial or faint prints).
///
/// Blocks are ``blockSize`` pixels square at 500 dpi (the matcher's scale, whatever the
/// source resolution), row-major from the image's top-left corner. Each block holds the
/// ridge orientation in whole degrees `0..<180`, measured from the x axis towards the
/// y axis of the image (y points down), or ``background`` where the block is not print.
public struct OrientationField: Sendable, Hashable {
    /// Block side in 500-dpi pixels.
    public static let blockSize = 8
    /// The code of a block outside the print.
    public static let background: UInt8 = 255

    /// Blocks per row.
    public let columns: Int
    /// Block rows.
    public let rows: Int
    /// Orientation codes, `columns × rows`, row-major.
    public let codes: [UInt8]

    /// Creates a field; returns nil when `codes` does not hold `columns × rows` codes or a
    /// code is neither a degree below 180 nor ``background``.
    public init?(columns: Int, rows: Int, codes: [UInt8]) {
        guard columns > 0, rows > 0, columns <= 255, rows <= 255, codes.count == columns * rows,
              codes.allSatisfy({ $0 < 180 || $0 == Self.background }) else { return nil }
        self.columns = columns
        self.rows = rows
        self.codes = codes
    }

    /// Blocks inside the print.
    public var printBlocks: Int { codes.reduce(0) { $0 + ($1 == Self.background ? 0 : 1) } }
}

extension OrientationField {
    /// The vendor-defined extended data type code (ISO/IEC 19794-2 and ANSI/INCITS 378
    /// leave 0x0100–0xFFFF to vendors) under which Biomatch stores the field: "BM".
    public static let extendedDataTypeCode: UInt16 = 0x424D

    /// The field as a view's extended data block: block size, columns and rows (one byte
    /// each), then the codes row by row.
    public var extendedDataBlock: ExtendedDataBlock {
        ExtendedDataBlock(typeCode: Self.extendedDataTypeCode, data: [UInt8(Self.blockSize), UInt8(columns), UInt8(rows)] + codes)
    }

    /// The field stored in `block`.
    /// - Throws: ``FingerprintError/Code/invalidField`` when the block is not an orientation
    ///   field of this block size, or its size or codes are inconsistent.
    public init(extendedData block: ExtendedDataBlock) throws(FingerprintError) {
        let data = block.data
        guard block.typeCode == Self.extendedDataTypeCode else {
            throw FingerprintError(.invalidField, "extended data block type \(block.typeCode) is not an orientation field")
        }
        guard data.count >= 3, Int(data[0]) == Self.blockSize else {
            throw FingerprintError(.invalidField, "the orientation field block is not a \(Self.blockSize)-pixel field")
        }
        let columns = Int(data[1]), rows = Int(data[2])
        guard data.count == 3 + columns * rows else {
            throw FingerprintError(.invalidField, "the orientation field block declares \(columns)×\(rows) blocks but holds \(data.count - 3) codes")
        }
        guard let field = OrientationField(columns: columns, rows: rows, codes: Array(data[3...])) else {
            throw FingerprintError(.invalidField, "the orientation field block holds a code that is neither a degree below 180 nor background")
        }
        self = field
    }
}
