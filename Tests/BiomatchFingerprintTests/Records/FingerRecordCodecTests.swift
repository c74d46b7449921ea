@testable import BiomatchFingerprint
import BiomatchTestSupport
import BiomatchKernels
import Testing

@Suite("Finger records: encode, decode, validate")
struct FingerRecordCodecTests {
    /// A two-view record with every field set away from its default.
    static func sampleRecord(_ format: FingerRecordFormat) -> FingerMinutiaeRecord {
        var views: [FingerView] = []
        for v in 0..<2 {
            var minutiae: [RecordMinutia] = []
            let angleRange = format == .iso19794_2_2005 ? 256 : 180
            for i in 0..<(30 + v * 7) {
                let type: RecordMinutiaType = i % 3 == 0 ? .bifurcation : (i % 7 == 0 ? .other : .ridgeEnding)
                let x = UInt16(10 + i * 9), y = UInt16(400 - i * 5)
                minutiae.append(RecordMinutia(type: type, x: x, y: y, angleCode: UInt8((i * 37) % angleRange), quality: UInt8(i * 3 % 101)))
            }
            let blocks = v == 0 ? [] : [
                ExtendedDataBlock(typeCode: 1, data: [1, 0, 1, 5, 1, 2, 7]),
                ExtendedDataBlock(typeCode: 0x0221, data: [9, 8, 7], lengthIncludesHeader: false),
            ]
            views.append(FingerView(position: UInt8(2 + v * 5), viewNumber: UInt8(v), impressionType: UInt8(v),
                                    quality: UInt8(60 + v * 20), minutiae: minutiae, extendedData: blocks))
        }
        return FingerMinutiaeRecord(format: format, imageWidth: 388, imageHeight: 374, resolutionX: 197, resolutionY: 198,
                                    views: views, equipmentCertification: 1, deviceID: 0x123,
                                    productOwner: format == .ansi378_2004 ? 0x0042 : 0, productType: format == .ansi378_2004 ? 17 : 0)
    }

    @Test(arguments: FingerRecordFormat.allCases)
    func roundTripIsExact(format: FingerRecordFormat) throws {
        let record = Self.sampleRecord(format)
        let bytes = try record.encoded()
        let decoded = try FingerMinutiaeRecord(bytes: bytes)
        #expect(decoded == record)
        #expect(try decoded.encoded() == bytes)
        #expect(bytes.count == (format == .iso19794_2_2005 ? 24 : 26) + (4 + 30 * 6 + 2) + (4 + 37 * 6 + 2 + 11 + 7))
        #expect(decoded.views[1].extendedData[0].ridgeCounts?.counts.count == 2)
    }

    @Test func angleUnitsFollowEachStandard() {
        let quarter = Double.pi / 2
        #expect(RecordMinutia.angleCode(radians: quarter, format: .iso19794_2_2005) == 64)
        #expect(RecordMinutia.angleCode(radians: quarter, format: .ansi378_2004) == 45)
        #expect(RecordMinutia.angleCode(radians: -quarter, format: .ansi378_2004) == 135)
        let m = RecordMinutia(type: .ridgeEnding, x: 0, y: 0, angleCode: 64, quality: 0)
        #expect(abs(m.angleRadians(in: .iso19794_2_2005) - quarter) < 1e-12)
        #expect(abs(m.angleRadians(in: .ansi378_2004) - 128 * .pi / 180) < 1e-12)
    }

    @Test(arguments: FingerRecordFormat.allCases)
    func everyTruncationIsATypedError(format: FingerRecordFormat) throws {
        let bytes = try Self.sampleRecord(format).encoded()
        for cut in 0..<bytes.count {
            do {
                _ = try FingerMinutiaeRecord(bytes: Array(bytes[0..<cut]))
                Issue.record("a record cut to \(cut) of \(bytes.count) bytes decoded")
            } catch {
                #expect([.truncatedRecord, .inconsistentRecord, .unknownFormat, .unsupportedVersion].contains(error.code), "cut \(cut): \(error)")
            }
        }
    }

    @Test func strictValidationNamesTheProblem() throws {
        let iso = try Self.sampleRecord(.iso19794_2_2005).encoded()
        expectFingerprintError(.unknownFormat) { try FingerMinutiaeRecord(bytes: Array("FIR\0".utf8) + iso.dropFirst(4)) }
        var wrongVersion = iso
        wrongVersion[5] = UInt8(ascii: "3")
        expectFingerprintError(.unsupportedVersion) { try FingerMinutiaeRecord(bytes: wrongVersion) }
        expectFingerprintError(.inconsistentRecord) { try FingerMinutiaeRecord(bytes: iso + [0]) }  // trailing byte
        var badLength = iso
        badLength[11] &+= 1
        expectFingerprintError(.truncatedRecord) { try FingerMinutiaeRecord(bytes: badLength) }
        var noViews = iso
        noViews[22] = 0
        expectFingerprintError(.inconsistentRecord) { try FingerMinutiaeRecord(bytes: noViews) }
        var reservedType = iso
        reservedType[28] |= 0xC0  // first minutia's type bits = 11
        expectFingerprintError(.invalidField) { try FingerMinutiaeRecord(bytes: reservedType) }
        var badPosition = iso
        badPosition[24] = 11
        expectFingerprintError(.invalidField) { try FingerMinutiaeRecord(bytes: badPosition) }
        var badQuality = iso
        badQuality[26] = 101
        expectFingerprintError(.invalidField) { try FingerMinutiaeRecord(bytes: badQuality) }
        var moreMinutiae = iso
        moreMinutiae[27] = 200  // count past the data
        #expect(throws: FingerprintError.self) { try FingerMinutiaeRecord(bytes: moreMinutiae) }
        // The ANSI length tolerance is exactly 2 bytes, nothing else.
        var ansi = try Self.sampleRecord(.ansi378_2004).encoded()
        ansi[9] &-= 3
        expectFingerprintError(.inconsistentRecord) { try FingerMinutiaeRecord(bytes: ansi) }
        var tooMany = Self.sampleRecord(.iso19794_2_2005)
        tooMany.views[0].minutiae += Array(repeating: tooMany.views[0].minutiae[0], count: 230)
        expectFingerprintError(.unencodable) { try tooMany.encoded() }
    }

    /// ≥ 100,000 mutated records (byte flips, insertions, deletions, length-field edits,
    /// splices) through both decoders: each either decodes to a record that re-encodes
    /// and decodes to itself, or throws a FingerprintError. A crash fails the run.
    @Test func fuzzedRecordsNeverCrash() throws {
        var rng = SplitMix64(seed: 0xF1_9E_45)
        let seeds = try FingerRecordFormat.allCases.map { try Self.sampleRecord($0).encoded() }
        var decoded = 0, rejected = 0
        for i in 0..<100_000 {
            var bytes = seeds[i & 1]
            let mutations = 1 + Int(rng.next() % 4)
            for _ in 0..<mutations {
                let at = Int(rng.next() % UInt64(max(bytes.count, 1)))
                switch rng.next() % 6 {
                case 0, 1: if !bytes.isEmpty { bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8)) }
                case 2: if !bytes.isEmpty { bytes[at] = UInt8(truncatingIfNeeded: rng.next()) }
                case 3: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                case 4: if !bytes.isEmpty { bytes.remove(at: at) }
                default: bytes = Array(bytes.prefix(at)) + Array(seeds[(i + 1) & 1].suffix(from: min(at, seeds[(i + 1) & 1].count)))
                }
            }
            do {
                let record = try FingerMinutiaeRecord(bytes: bytes)
                let again = try FingerMinutiaeRecord(bytes: try record.encoded())
                #expect(again == record)
                decoded += 1
                // Hostile but valid records must not crash the matcher either (sampled: debug
                // builds prepare about a template per millisecond).
                if decoded % 200 == 0, let template = try? FingerprintTemplate(record: record) {
                    let matcher = FingerprintMatcher()
                    let p = matcher.prepare(template)
                    #expect((0...1).contains(matcher.similarity(p, p)) || p.cylinders.count == 0)
                }
            } catch {
                rejected += 1
            }
        }
        #expect(decoded + rejected == 100_000)
        #expect(rejected > 50_000)  // most mutations must be caught
    }
}

