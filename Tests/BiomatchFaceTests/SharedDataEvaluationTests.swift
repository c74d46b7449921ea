import BiomatchEvaluation
@testable import BiomatchFace
import Foundation
import Testing

/// A small evaluation slice on real images from ../shared/data/face, read in place.
/// Skipped, with a message, where that folder is absent (a fresh clone outside CI).
@Suite(.enabled(if: Fixtures.hasSharedFaces, "../shared/data/face is absent: real-image evaluation slice skipped"))
struct SharedDataEvaluationTests {
    @Test func genuinePairsOutscoreImpostorPairsOnORL() throws {
        let all = try LabelledImage.scan(Fixtures.sharedFaces.appendingPathComponent("orl").path)
        // 8 identities × 4 images: 48 genuine and 448 impostor pairs, a few seconds.
        let identities = Array(Set(all.map(\.identity))).sorted().prefix(8)
        let slice = identities.flatMap { id in all.filter { $0.identity == id }.prefix(4) }
        let result = FaceEvaluation.run(images: slice, pipeline: try Fixtures.pipeline())
        #expect(result.images == 32)
        #expect(result.failures.isEmpty, "\(result.failures)")
        // Stated rate: at most 5 % equal error rate on this slice.
        #expect(result.rates.equalErrorRate <= 0.05, "EER \(result.rates.equalErrorRate)")
        let meanGenuine = result.rates.genuine.reduce(0, +) / Float(result.rates.genuine.count)
        let meanImpostor = result.rates.impostor.reduce(0, +) / Float(result.rates.impostor.count)
        #expect(meanGenuine > meanImpostor + 0.3)
    }
}
