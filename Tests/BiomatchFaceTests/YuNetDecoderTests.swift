@testable import BiomatchFace
import Foundation
import Testing

@Suite struct YuNetDecoderTests {
    /// Zeroed outputs for a 64×32 input, in the decoder's output order.
    func emptyOutputs(width: Int, height: Int) -> [[Float]] {
        let cells = YuNetDecoder.strides.map { (width / $0) * (height / $0) }
        return cells.map { [Float](repeating: 0, count: $0) }        // cls
            + cells.map { [Float](repeating: 0, count: $0) }         // obj
            + cells.map { [Float](repeating: 0, count: 4 * $0) }     // bbox
            + cells.map { [Float](repeating: 0, count: 10 * $0) }    // kps
    }

    @Test func decodesOneAnchorIntoBoxAndLandmarks() throws {
        var out = emptyOutputs(width: 64, height: 32)
        // Stride 8 grid is 8×4; anchor at row 2, col 3 → index 19.
        let i = 2 * 8 + 3
        out[0][i] = 0.81; out[3][i] = 1.0  // score sqrt(0.81·1) = 0.9
        out[6].replaceSubrange(4 * i..<4 * i + 4, with: [0.5, 0.25, log(2), log(3)])
        out[9].replaceSubrange(10 * i..<10 * i + 10, with: [0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1])
        let faces = try YuNetDecoder(scoreThreshold: 0.5, nmsThreshold: 0.3).decode(outputs: out, inputWidth: 64, inputHeight: 32)
        let face = try #require(faces.first)
        #expect(faces.count == 1)
        #expect(abs(face.confidence - 0.9) < 1e-6)
        // cx = (3 + 0.5)·8 = 28, cy = (2 + 0.25)·8 = 18, w = 16, h = 24.
        #expect(abs(face.box.x - 20) < 1e-4 && abs(face.box.y - 6) < 1e-4)
        #expect(abs(face.box.width - 16) < 1e-4 && abs(face.box.height - 24) < 1e-4)
        #expect(face.landmarks[0] == Point(x: 24, y: 16))
        #expect(face.landmarks[2] == Point(x: 28, y: 20))
        #expect(face.landmarks[4] == Point(x: 32, y: 24))
    }

    @Test func scoresBelowThresholdAreDropped() throws {
        var out = emptyOutputs(width: 64, height: 32)
        out[0][0] = 0.2; out[3][0] = 0.2
        #expect(try YuNetDecoder(scoreThreshold: 0.5, nmsThreshold: 0.3).decode(outputs: out, inputWidth: 64, inputHeight: 32).isEmpty)
    }

    @Test func nonMaximumSuppressionKeepsTheBestOfOverlappingBoxes() {
        func face(_ x: Double, _ c: Double) -> DetectedFace {
            DetectedFace(box: Rectangle(x: x, y: 0, width: 10, height: 10), confidence: c, landmarks: [])
        }
        let kept = YuNetDecoder.nonMaximumSuppression([face(0, 0.7), face(1, 0.9), face(50, 0.6)], iouThreshold: 0.3, limit: 10)
        #expect(kept.map(\.confidence) == [0.9, 0.6])
    }

    @Test func wrongOutputShapesAreTypedErrors() {
        expectFaceError(.inference) { try YuNetDecoder(scoreThreshold: 0.5, nmsThreshold: 0.3).decode(outputs: [], inputWidth: 64, inputHeight: 32) }
        var out = emptyOutputs(width: 64, height: 32)
        out[6].removeLast()
        expectFaceError(.inference) { try YuNetDecoder(scoreThreshold: 0.5, nmsThreshold: 0.3).decode(outputs: out, inputWidth: 64, inputHeight: 32) }
    }
}
