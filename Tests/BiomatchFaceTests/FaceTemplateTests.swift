@testable import BiomatchFace
import Foundation
import Testing

@Suite struct FaceTemplateTests {
    func template(_ values: [Float] = (0..<128).map { Float($0 % 7) - 3 }) throws -> FaceTemplate {
        try FaceTemplate(
            embedding: values, modelID: "sface-2021dec", modelVersion: "2021dec-fp32", quality: 77,
            capture: CaptureMetadata(imageWidth: 640, imageHeight: 480,
                                     faceBox: Rectangle(x: 10.5, y: 20, width: 100, height: 120),
                                     detectorConfidence: 0.875, capturedAtMilliseconds: 1_790_000_000_000))
    }

    @Test func embeddingIsNormalised() throws {
        let t = try template()
        let norm = t.values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-5)
        #expect(t.dimension == 128)
    }

    @Test func serialisationRoundTripsExactly() throws {
        let t = try template()
        let bytes = t.serialized()
        #expect(Array(bytes.prefix(4)) == Array("BMFT".utf8))
        #expect(bytes[4] == FaceTemplate.serializationVersion)
        let back = try FaceTemplate(serialized: bytes)
        #expect(back == t)
        #expect(back.serialized() == bytes)
    }

    @Test func everyTruncationIsATypedError() throws {
        let bytes = try template().serialized()
        for n in 0..<bytes.count {
            expectFaceError(.invalidTemplate) { try FaceTemplate(serialized: Array(bytes.prefix(n))) }
        }
    }

    @Test func corruptedFieldsAreRejected() throws {
        let bytes = try template().serialized()
        var badMagic = bytes; badMagic[0] = UInt8(ascii: "X")
        var badVersion = bytes; badVersion[4] = 99
        var badFlags = bytes; badFlags[5] = 1
        var zeroDimension = bytes; zeroDimension[6] = 0; zeroDimension[7] = 0
        var notUnit = bytes; notUnit[bytes.count - 4] ^= 0x40
        var nan = bytes; nan.replaceSubrange(bytes.count - 4..<bytes.count, with: [0x7F, 0xC0, 0, 0])
        var badQuality = bytes
        let qualityOffset = 8 + 1 + "sface-2021dec".utf8.count + 1 + "2021dec-fp32".utf8.count
        badQuality[qualityOffset] = 200
        for (name, corrupt) in [("magic", badMagic), ("version", badVersion), ("flags", badFlags), ("dimension", zeroDimension),
                                ("not unit", notUnit), ("nan", nan), ("quality", badQuality), ("trailing", bytes + [0])] {
            do {
                _ = try FaceTemplate(serialized: corrupt)
                Issue.record("\(name): accepted")
            } catch let e as FaceError {
                #expect(e.code == .invalidTemplate, "\(name)")
            }
        }
    }

    @Test func invalidEmbeddingsAreRejected() {
        expectFaceError(.invalidTemplate) { try template([]) }
        expectFaceError(.invalidTemplate) { try template([Float](repeating: 0, count: 128)) }
        expectFaceError(.invalidTemplate) { try template([1, .nan, 2]) }
    }
}
