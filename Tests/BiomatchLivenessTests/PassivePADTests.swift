@testable import BiomatchLiveness
import BiomatchTestSupport
import Foundation
import Testing

@Suite struct PassivePADTests {
    @Test func uniformLBPHasFiftyEightPatternsAndHistogramsSumToOne() throws {
        #expect(Set(ColorTextureFeatures.uniformBin.filter { $0 < 58 }).count == 58)
        #expect(ColorTextureFeatures.uniformBin.filter { $0 == 58 }.count == 256 - 58)
        var rng = SplitMix64(state: 1)
        let (w, h) = (80, 60)
        let bgr = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let f = try ColorTextureFeatures.extract(bgr: bgr, width: w, height: h, box: (10, 5, 40, 40))
        #expect(f.count == ColorTextureFeatures.count)
        for c in 0..<6 {
            let sum = f[(c * 59)..<((c + 1) * 59)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
        #expect(throws: LivenessError.self) { _ = try ColorTextureFeatures.extract(bgr: bgr, width: w, height: h + 1, box: (0, 0, 10, 10)) }
        #expect(throws: LivenessError.self) { _ = try ColorTextureFeatures.extract(bgr: bgr, width: w, height: h, box: (500, 500, 10, 10)) }
    }

    /// A smooth, printed-looking texture against a noisy, skin-like one: the classifier
    /// separates them, and the same data gives the same model.
    @Test func trainingSeparatesTexturesDeterministically() throws {
        var rng = SplitMix64(state: 5)
        func image(noisy: Bool) -> [UInt8] {
            (0..<(48 * 48)).flatMap { i -> [UInt8] in
                let base = Double((i % 48) * 3 + 60)
                let n = noisy ? Double(rng.next() % 40) - 20 : Double(rng.next() % 4) - 2
                let v = UInt8(max(0, min(255, base + n)))
                return [v, UInt8(min(255, Int(v) + 20)), UInt8(min(255, Int(v) + 40))]
            }
        }
        var features: [[Float]] = [], labels: [Bool] = []
        for k in 0..<40 {
            features.append(try ColorTextureFeatures.extract(bgr: image(noisy: k % 2 == 0), width: 48, height: 48, box: (4, 4, 36, 36)))
            labels.append(k % 2 == 0)
        }
        let model = try PADModel.train(features: features, bonaFide: labels, iterations: 300, provenance: "test")
        let again = try PADModel.train(features: features, bonaFide: labels, iterations: 300, provenance: "test")
        #expect(model == again)
        let bona = zip(features, labels).filter { $0.1 }.map { model.score($0.0) }
        let attacks = zip(features, labels).filter { !$0.1 }.map { model.score($0.0) }
        #expect((bona.min() ?? 0) > (attacks.max() ?? 1))
        #expect(throws: LivenessError.self) { _ = try PADModel.train(features: features, bonaFide: labels.map { _ in true }, provenance: "x") }
    }

    /// What a recapture does shows in the distortion features: a blurred copy loses less
    /// to a further blur and has a weaker Laplacian, a white highlight counts as specular,
    /// a flat print of few inks has fewer colours.
    @Test func imageDistortionFeaturesRespondToBlurHighlightsAndColours() throws {
        var rng = SplitMix64(state: 3)
        let (w, h) = (120, 120)
        let sharp = (0..<(w * h * 3)).map { _ in UInt8(64 + rng.next() % 128) }
        // A 5 × 5 box blur of the same image.
        var blurred = sharp
        for y in 2..<(h - 2) {
            for x in 2..<(w - 2) {
                for k in 0..<3 {
                    var sum = 0
                    for dy in -2...2 { for dx in -2...2 { sum += Int(sharp[((y + dy) * w + x + dx) * 3 + k]) } }
                    blurred[(y * w + x) * 3 + k] = UInt8(sum / 25)
                }
            }
        }
        let box = (10.0, 10.0, 90.0, 90.0)
        let a = try ImageDistortionFeatures.extract(bgr: sharp, width: w, height: h, box: box)
        let b = try ImageDistortionFeatures.extract(bgr: blurred, width: w, height: h, box: box)
        #expect(a.count == ImageDistortionFeatures.count && b.count == ImageDistortionFeatures.count)
        #expect(a[3] > b[3] && a[4] > b[4])
        #expect(a[20] > b[20])  // colour diversity: blurring merges colours

        // A skin-coloured face with a white highlight in the middle.
        var face = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) { face[i * 3] = 120; face[i * 3 + 1] = 150; face[i * 3 + 2] = 200 }
        let plain = try ImageDistortionFeatures.extract(bgr: face, width: w, height: h, box: box)
        for y in 50..<70 { for x in 50..<70 { for k in 0..<3 { face[(y * w + x) * 3 + k] = 252 } } }
        let glossy = try ImageDistortionFeatures.extract(bgr: face, width: w, height: h, box: box)
        #expect(plain[0] == 0 && glossy[0] > 0.02 && glossy[1] > 0.9)
        #expect(throws: LivenessError.self) { _ = try ImageDistortionFeatures.extract(bgr: face, width: w, height: h - 1, box: box) }
        #expect(try PassiveFaceFeatures.extract(bgr: sharp, width: w, height: h, box: box).count == PassiveFaceFeatures.count)
    }

    @Test func padRatesFollowISO30107() {
        let rates = PADErrorRates(bonaFide: [0.9, 0.8, 0.7, 0.6, 0.2], attacks: ["print": [0.1, 0.2, 0.3, 0.4], "screen": [0.5, 0.1]])
        #expect(rates.apcer("print", at: 0.25) == 0.5)
        #expect(rates.apcer("screen", at: 0.25) == 0.5)
        #expect(rates.bpcer(at: 0.65) == 0.4)
        // APCER 5 % with 4 and 2 attacks allows none: the threshold clears every attack.
        let t = rates.threshold(forAPCER: 0.05)
        #expect(rates.maximumAPCER(at: t) == 0 && t > 0.5 && t < 0.6)
        #expect(rates.bpcer20 == 0.2)
    }
}
