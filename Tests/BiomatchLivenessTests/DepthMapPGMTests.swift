@testable import BiomatchLiveness
import Testing

/// Depth maps travel as 16-bit binary PGM; anything else is a typed error.
@Suite struct DepthMapPGMTests {
    @Test func roundTripsAndRefusesBadFiles() throws {
        let map = try DepthMap(width: 3, height: 2, millimetres: [0, 1, 255, 256, 600, 65535])
        #expect(try DepthMap(pgm: map.pgm) == map)
        let withComment = Array("P5\n# depth\n2 1\n255\n".utf8) + [7, 9]
        #expect(try DepthMap(pgm: withComment).millimetres == [7, 9])
        for bad in [Array(map.pgm.dropLast()), Array("P2\n1 1\n255\n1".utf8), Array("P5\n0 1\n255\n".utf8),
                    Array("P5\n99999 1\n65535\n".utf8), Array("P5\n1".utf8), []] {
            #expect(throws: LivenessError.self) { _ = try DepthMap(pgm: bad) }
        }
    }
}
