@testable import BiomatchLiveness
import BiomatchTestSupport
import Foundation
import Testing

@Suite struct ActiveChallengeTests {
    /// Every order of three prompts: the 3D head passes, the flat picture under the same
    /// motions fails, and the 3D head doing the prompts in another order fails.
    @Test func threeDimensionalHeadsPassFlatPicturesAndWrongOrdersFail() throws {
        var rng = SplitMix64(state: 7)
        var live = 0, flat = 0, misordered = 0
        for _ in 0..<40 {
            let challenge = ActiveChallenge.random(count: 3, using: &rng)
            var head = SyntheticHead(planar: false, rng: SplitMix64(state: rng.next()))
            let result = try challenge.verify(head.track(challenge.prompts))
            #expect(result.passed, "3D head, \(challenge.prompts): \(result.reasons)")
            if result.passed { live += 1 }

            var picture = SyntheticHead(planar: true, rng: SplitMix64(state: rng.next()))
            let attack = try challenge.verify(picture.track(challenge.prompts))
            #expect(!attack.passed && attack.parallax < challenge.thresholds.parallax, "flat picture passed \(challenge.prompts), parallax \(attack.parallax)")
            if !attack.passed { flat += 1 }

            // A replay of an earlier session: the same prompts in another order.
            var replayed = challenge.prompts
            replayed.swapAt(0, 2)
            var other = SyntheticHead(planar: false, rng: SplitMix64(state: rng.next()))
            let replay = try challenge.verify(other.track(replayed))
            #expect(!replay.passed, "out-of-order prompts passed: asked \(challenge.prompts), done \(replayed)")
            if !replay.passed { misordered += 1 }
        }
        print("active challenge: 3D heads passed \(live)/40, flat pictures rejected \(flat)/40, wrong orders rejected \(misordered)/40")
    }

    @Test func tooSlowOrIncompleteFails() throws {
        let challenge = ActiveChallenge(prompts: [.turnLeft, .nod, .moveCloser], timeLimit: 3)
        var head = SyntheticHead(planar: false)
        let result = try challenge.verify(head.track(challenge.prompts))  // takes about 5.3 s
        #expect(!result.passed && result.reasons.contains { $0.contains("within 3") })
        var partial = SyntheticHead(planar: false)
        let short = try ActiveChallenge(prompts: [.turnLeft, .nod, .moveCloser]).verify(partial.track([.turnLeft, .nod]))
        #expect(!short.passed && short.completedAt.count == 2)
    }

    @Test func parallaxSeparatesHeadsFromPictures() throws {
        var head = SyntheticHead(planar: false, noise: 0)
        var picture = SyntheticHead(planar: true, noise: 0)
        let turn = [ChallengePrompt.turnRight]
        #expect(try PlanarMotionTest.noseParallax(head.track(turn)) > 0.15)
        #expect(try PlanarMotionTest.noseParallax(picture.track(turn)) < 1e-6)
        #expect(throws: LivenessError.self) { try PlanarMotionTest.noseParallax([]) }
        #expect(throws: LivenessError.self) { try ActiveChallenge(prompts: [.nod]).verify([LandmarkFrame(time: 0, points: [])]) }
    }
}
