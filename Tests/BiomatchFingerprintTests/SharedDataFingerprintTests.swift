@testable import BiomatchFingerprint
import Foundation
import Testing

/// A slice of FVC2002 DB1_B read in place from ../shared (skipped without it): two
/// fingers, three impressions each.
@Suite("FVC2002 slice", .enabled(if: Fixtures.hasFVC, "../shared/data/finger/fvc2002 absent"))
struct SharedDataFingerprintTests {
    @Test func genuinePairsOutscoreImpostorPairs() throws {
        let matcher = FingerprintMatcher()
        var prepared: [(finger: Int, p: PreparedFingerprint)] = []
        for finger in [101, 102] {
            for k in 1...3 {
                let url = Fixtures.fvc2002.appendingPathComponent("DB1_B/\(finger)_\(k).png")
                prepared.append((finger, matcher.prepare(try MinutiaeExtractor().extract(FingerprintImage(contentsOf: url)))))
            }
        }
        var genuine: [Double] = [], impostor: [Double] = []
        for i in prepared.indices {
            for j in (i + 1)..<prepared.count {
                let s = matcher.similarity(prepared[i].p, prepared[j].p)
                if prepared[i].finger == prepared[j].finger { genuine.append(s) } else { impostor.append(s) }
            }
        }
        #expect(genuine.count == 6 && impostor.count == 9)
        #expect(genuine.min()! > impostor.max()!, "genuine \(genuine) impostor \(impostor)")
    }
}
