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
