@testable import BiomatchFingerprint
import Foundation
import Testing

@Suite("Fingerprint gallery (1:N)")
struct FingerprintGalleryTests {
    @Test func cascadeFindsTheMateAmongDistractorsLikeExhaustiveSearch() {
        var gallery = FingerprintGallery()
        let fingers = (0..<30).map { FingerprintMatcherTests.syntheticTemplate(seed: 100 + UInt64($0)) }
        // Each finger enrolled once, plus 10 perturbed copies of every finger as distractors
        // under other ids (the hardest kind: near-duplicates of real fingers).
        for (i, f) in fingers.enumerated() { gallery.add(f, id: "finger-\(i)") }
        for (i, d) in realDerivedTemplates(from: fingers, count: 330, seed: 9).enumerated().dropFirst(30) {
            gallery.add(d, id: "distractor-\(i)")
        }
        #expect(gallery.count == 330)
        var parameters = FingerprintGallery.SearchParameters()
        parameters.survivors = 20
        var agree = 0
        for i in 0..<10 {
            let probe = gallery.matcher.prepare(fingers[i].perturbed(seed: 7_000 + UInt64(i)))
            let cascade = gallery.search(probe, k: 5, parameters: parameters)
            let exhaustive = gallery.searchExhaustive(probe, k: 5)
            #expect(cascade.count == 5)
            #expect(cascade.map(\.score) == cascade.map(\.score).sorted(by: >))
            if cascade.first?.id == exhaustive.first?.id { agree += 1 }
            // The true finger or one of its perturbed copies ranks first.
            let top = cascade.first?.id ?? ""
            #expect(top == "finger-\(i)" || (Int(top.split(separator: "-").last ?? "") ?? -1) % 30 == i, "probe \(i): \(top)")
        }
        #expect(agree == 10)
    }

    @Test func removeDropsEveryTemplateOfAnID() {
        var gallery = FingerprintGallery()
        let a = FingerprintMatcherTests.syntheticTemplate(seed: 1), b = FingerprintMatcherTests.syntheticTemplate(seed: 2)
        gallery.add(a, id: "a")
        gallery.add(b, id: "b")
        gallery.add(a.perturbed(seed: 3), id: "a")
        #expect(gallery.remove(id: "a") == 2)
        #expect(gallery.count == 1)
        let probe = gallery.matcher.prepare(a)
        #expect(gallery.search(probe, k: 3).map(\.id) == ["b"])
        #expect(gallery.remove(id: "missing") == 0)
        #expect(FingerprintGallery().search(probe, k: 1).isEmpty)
    }
}
