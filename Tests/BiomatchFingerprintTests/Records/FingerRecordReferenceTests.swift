@testable import BiomatchFingerprint
import Foundation
import Testing

/// Decodes the two records in `../shared/reference/vectors/fingerprintio` and compares
/// every field with the other implementation's JSON decoding of the same bytes.
@Suite("Finger records: reference vectors", .enabled(if: Fixtures.hasRecordVectors, "../shared/reference absent"))
struct FingerRecordReferenceTests {
    static let positionNames: [String: UInt8] = [
        "UNKNOWN": 0, "RIGHT_THUMB": 1, "RIGHT_INDEX": 2, "RIGHT_MIDDLE": 3, "RIGHT_RING": 4, "RIGHT_LITTLE": 5,
        "LEFT_THUMB": 6, "LEFT_INDEX": 7, "LEFT_MIDDLE": 8, "LEFT_RING": 9, "LEFT_LITTLE": 10,
    ]
    static let scanTypes: [String: UInt8] = ["LIVE_PLAIN": 0, "LIVE_ROLLED": 1, "NONLIVE_PLAIN": 2, "NONLIVE_ROLLED": 3, "SWIPE": 8]
    static let minutiaTypes: [String: RecordMinutiaType] = ["OTHER": .other, "ENDING": .ridgeEnding, "BIFURCATION": .bifurcation]

    func load(_ stem: String) throws -> (bytes: [UInt8], json: [String: Any]) {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.recordVectors.appendingPathComponent(stem + ".dat")))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.recordVectors.appendingPathComponent(stem + ".json")))
        return (bytes, try #require(json as? [String: Any]))
    }

    func compare(_ record: FingerMinutiaeRecord, _ json: [String: Any]) throws {
        #expect(json["sensorCertified"] as? Bool == (record.equipmentCertification != 0))
        #expect(json["sensorId"] as? Int == Int(record.deviceID))
        #expect(json["width"] as? Int == Int(record.imageWidth))
        #expect(json["height"] as? Int == Int(record.imageHeight))
        #expect(json["resolutionX"] as? Int == Int(record.resolutionX))
        #expect(json["resolutionY"] as? Int == Int(record.resolutionY))
        if record.format == .ansi378_2004 {
            #expect(json["vendorId"] as? Int == Int(record.productOwner))
            #expect(json["subformat"] as? Int == Int(record.productType))
        }
        let fingers = try #require(json["fingerprints"] as? [[String: Any]])
        #expect(fingers.count == record.views.count)
        for (view, finger) in zip(record.views, fingers) {
            #expect(Self.positionNames[finger["position"] as? String ?? ""] == view.position)
            #expect(finger["view"] as? Int == Int(view.viewNumber))
            #expect(Self.scanTypes[finger["scanType"] as? String ?? ""] == view.impressionType)
            #expect(finger["quality"] as? Int == Int(view.quality))
            let minutiae = try #require(finger["minutiae"] as? [[String: Any]])
            #expect(minutiae.count == view.minutiae.count)
            for (m, j) in zip(view.minutiae, minutiae) {
                #expect(Self.minutiaTypes[j["type"] as? String ?? ""] == m.type)
                #expect(j["positionX"] as? Int == Int(m.x))
                #expect(j["positionY"] as? Int == Int(m.y))
                #expect(j["angle"] as? Int == Int(m.angleCode))
                #expect(j["quality"] as? Int == Int(m.quality))
            }
            // Extended data: ridge counts (type 1) decode to the same edges; other blocks
            // are listed raw with their base64 data.
            var expectedEdges: [[String: Int]] = []
            if let counts = finger["counts"] as? [String: Any], let edges = counts["edges"] as? [[String: Int]] { expectedEdges = edges }
            let ridgeEdges = view.extendedData.compactMap(\.ridgeCounts).flatMap(\.counts)
            #expect(ridgeEdges.map { ["from": Int($0.from), "to": Int($0.to), "count": Int($0.count)] } == expectedEdges)
            let extensions = (finger["extensions"] as? [[String: Any]]) ?? []
            let raw = view.extendedData.filter { $0.typeCode != 1 && $0.typeCode != 2 }
            #expect(raw.map { Int($0.typeCode) } == extensions.map { $0["type"] as? Int ?? -1 })
            #expect(raw.map { Data($0.data).base64EncodedString() } == extensions.map { $0["data"] as? String ?? "" })
        }
    }

    @Test func isoSampleDecodesFieldByFieldAndReencodesToTheSameBytes() throws {
        let (bytes, json) = try load("iso19794p2v2005__iso19794p2v2005-sample")
        let record = try FingerMinutiaeRecord(bytes: bytes)
        #expect(record.format == .iso19794_2_2005)
        #expect(record.lengthConvention == .exact)
        try compare(record, json)
        #expect(try record.encoded() == bytes)
    }

    @Test func ansiSampleDecodesFieldByFieldAndReencodesToTheSameBytes() throws {
        let (bytes, json) = try load("ansi378v2004__ansi378v2004-sample")
        let record = try FingerMinutiaeRecord(bytes: bytes)
        #expect(record.format == .ansi378_2004)
        // This exporter writes a length 2 short of the record (see LengthConvention).
        #expect(record.lengthConvention == .ansiISOHeaderSize)
        try compare(record, json)
        #expect(try record.encoded() == bytes)
    }

    @Test func theTwoSamplesCarryTheSameMinutiae() throws {
        let iso = try FingerMinutiaeRecord(bytes: load("iso19794p2v2005__iso19794p2v2005-sample").bytes)
        let ansi = try FingerMinutiaeRecord(bytes: load("ansi378v2004__ansi378v2004-sample").bytes)
        #expect(iso.views.map(\.minutiae) == ansi.views.map(\.minutiae))
    }
}
