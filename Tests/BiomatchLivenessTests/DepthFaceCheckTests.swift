@testable import BiomatchLiveness
import BiomatchTestSupport
import Foundation
import Testing

/// Synthetic depth maps (1.5 mm per pixel, ±1 mm sensor noise): only the face relief passes.
@Suite struct DepthFaceCheckTests {
    static let size = (w: 100, h: 120)

    static func map(_ surface: (Double, Double) -> Double) throws -> DepthMap {
        var rng = SplitMix64(state: 3)
        var samples: [UInt16] = []
        for row in 0..<size.h {
            for col in 0..<size.w {
                let x = (Double(col) - Double(size.w) / 2) * 1.5, y = (Double(row) - Double(size.h) / 2) * 1.5
                let noise = (Double(rng.next() % 2001) / 1000) - 1
                samples.append(UInt16(max(1, min(65535, (surface(x, y) + noise).rounded()))))
            }
        }
        return try DepthMap(width: size.w, height: size.h, millimetres: samples)
    }

    static func bump(_ x: Double, _ y: Double, _ cx: Double, _ cy: Double, _ sigma: Double) -> Double {
        exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sigma * sigma))
    }

    /// A head: an ellipsoidal base, a nose 25 mm proud, eye sockets 10 mm deep, lips 6 mm proud.
    static func face(_ x: Double, _ y: Double) -> Double {
        let base = 520 + 0.0045 * x * x + 0.003 * y * y
        return base - 25 * bump(x, y, 0, 5, 11) + 10 * bump(x, y, -32, -30, 10) + 10 * bump(x, y, 32, -30, 10) - 6 * bump(x, y, 0, 45, 12)
    }

    func assess(_ surface: @escaping (Double, Double) -> Double) throws -> DepthAssessment {
        try DepthFaceCheck.assess(try Self.map(surface), x: 0, y: 0, width: Self.size.w, height: Self.size.h)
    }

    @Test func onlyTheFaceReliefPasses() throws {
        let face = try assess(Self.face)
        let plane = try assess { _, _ in 600 }
        let tilted = try assess { x, y in 600 + 0.5 * x + 0.3 * y }
        // A print bent round a cylinder of radius 120 mm (not exactly a quadric).
        let bent = try assess { x, _ in 560 + 120 - (120 * 120 - x * x).squareRoot() }
        print(String(format: "depth: face relief %.1f mm (protrusion %.1f), plane %.2f, tilted %.2f, bent print %.2f (%.1f)",
                     face.reliefRMS, face.protrusion, plane.reliefRMS, tilted.reliefRMS, bent.reliefRMS, bent.protrusion))
        #expect(face.isFaceShaped && face.score > 0.5)
        #expect(!plane.isFaceShaped && !tilted.isFaceShaped && !bent.isFaceShaped)
        #expect(plane.score < 0.5 && tilted.score < 0.5 && bent.score < 0.5)
    }

    @Test func missingDepthAndBadBoxesAreHandled() throws {
        let empty = try DepthMap(width: 20, height: 20, millimetres: [UInt16](repeating: 0, count: 400))
        let result = try DepthFaceCheck.assess(empty, x: 0, y: 0, width: 20, height: 20)
        #expect(!result.isFaceShaped && result.coverage == 0)
        #expect(throws: LivenessError.self) { try DepthFaceCheck.assess(empty, x: 15, y: 0, width: 10, height: 10) }
        #expect(throws: LivenessError.self) { try DepthMap(width: 3, height: 3, millimetres: [1, 2]) }
    }
}
