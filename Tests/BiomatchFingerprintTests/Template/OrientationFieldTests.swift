@testable import BiomatchFingerprint
import Foundation
import Testing

@Suite("Orientation field")
struct OrientationFieldTests {
    /// A loop-like field on a `columns × rows` grid, background in the corners.
    static func loopField(columns: Int = 50, rows: Int = 55) -> OrientationField? {
        var codes = [UInt8](repeating: OrientationField.background, count: columns * rows)
        for r in 0..<rows {
            for c in 0..<columns {
                let x = Double(c) - Double(columns) / 2, y = Double(r) - Double(rows) / 2
                guard x * x / Double(columns * columns) + y * y / Double(rows * rows) < 0.3 else { continue }
                let degrees = Int((atan2(y, x) * 90 / .pi + 90).rounded())
                codes[r * columns + c] = UInt8(((degrees % 180) + 180) % 180)
            }
        }
        return OrientationField(columns: columns, rows: rows, codes: codes)
    }

    @Test func invalidGridsAndCodesAreRefused() {
        #expect(OrientationField(columns: 2, rows: 2, codes: [0, 1, 2]) == nil)
        #expect(OrientationField(columns: 2, rows: 2, codes: [0, 1, 2, 180]) == nil)
        #expect(OrientationField(columns: 0, rows: 0, codes: []) == nil)
        #expect(OrientationField(columns: 2, rows: 2, codes: [0, 179, 255, 90])?.printBlocks == 3)
    }

    @Test(arguments: FingerRecordFormat.allCases)
    func theFieldTravelsInTheRecordsExtendedData(format: FingerRecordFormat) throws {
        let field = try #require(Self.loopField())
        let template = FingerprintTemplate(width: 400, height: 440, dpi: 500, quality: 70,
                                           minutiae: [Minutia(x: 100, y: 120, direction: 1, kind: .ridgeEnding, quality: 60)],
                                           orientationField: field)
        let record = try template.record(format: format)
        #expect(record.views[0].extendedData.map(\.typeCode) == [OrientationField.extendedDataTypeCode])
        let bytes = try record.encoded()
        let decoded = try FingerMinutiaeRecord(bytes: bytes)
        #expect(try decoded.encoded() == bytes)
        #expect(try FingerprintTemplate(record: decoded).orientationField == field)
        // A template without a field writes no extended data and reads back without one.
        let bare = FingerprintTemplate(width: 400, height: 440, dpi: 500, quality: 70, minutiae: template.minutiae)
        let bareRecord = try bare.record(format: format)
        #expect(bareRecord.views[0].extendedData.isEmpty)
        #expect(try FingerprintTemplate(record: FingerMinutiaeRecord(bytes: bareRecord.encoded())).orientationField == nil)
    }

    @Test func malformedFieldBlocksAreTypedErrors() throws {
        let field = try #require(Self.loopField(columns: 4, rows: 3))
        let good = field.extendedDataBlock
        var wrongSize = good
        wrongSize.data[0] = 16
        var short = good
        short.data.removeLast()
        var badCode = good
        badCode.data[5] = 200
        var bareHeader = good
        bareHeader.data = [8, 4]
        for block in [wrongSize, short, badCode, bareHeader] {
            expectFingerprintError(.invalidField) { try OrientationField(extendedData: block) }
            var record = try FingerprintTemplate(width: 40, height: 30, dpi: 500, quality: 50, minutiae: []).record(format: .iso19794_2_2005)
            record.views[0].extendedData = [block]
            expectFingerprintError(.invalidField) { try FingerprintTemplate(record: FingerMinutiaeRecord(bytes: record.encoded())) }
        }
        expectFingerprintError(.invalidField) { try OrientationField(extendedData: ExtendedDataBlock(typeCode: 0x0002, data: good.data)) }
        #expect(try OrientationField(extendedData: good) == field)
    }

    @Test func movingTheFieldTurnsItsCodes() throws {
        let field = try #require(Self.loopField())
        // A quarter turn about the grid's centre maps the print onto itself, codes turned by 90°.
        let centre = (Double(field.columns) * 4, Double(field.rows) * 4)
        let turned = field.moved(rotation: .pi / 2, centre: centre, shift: (0, 0), sourceScale: 1)
        #expect(turned.columns == field.columns && turned.rows == field.rows)
        let still = field.moved(rotation: 0, centre: centre, shift: (0, 0), sourceScale: 1)
        #expect(still == field)
        let shifted = field.moved(rotation: 0, centre: centre, shift: (16, 0), sourceScale: 1)
        for r in 0..<field.rows {
            for c in 2..<field.columns {
                #expect(shifted.codes[r * field.columns + c] == field.codes[r * field.columns + c - 2])
            }
        }
        #expect(turned.printBlocks > field.printBlocks / 2)
    }

    @Test func thermometerCodesMeasureCircularDistance() {
        let levels = OrientationDescriptors.levels
        for u in 0..<levels {
            for v in 0..<levels {
                let d = abs(u - v), circular = min(d, levels - d)
                let hamming = (OrientationDescriptors.thermometer(u) ^ OrientationDescriptors.thermometer(v)).nonzeroBitCount
                #expect(hamming == circular)
            }
        }
    }
}
