import Dispatch
import Foundation

/// Closed-set identification on an FVC set: impression 1 of every finger enrolled with
/// distractor templates from other sets; every other impression searched. Reports the
/// rank-1 identification rate of the cascade and of exhaustive full matching on the
/// same gallery, and the cascade's 1:N comparison rate.
public struct IdentificationEvaluation: Sendable {
    /// Templates in the gallery (enrolled fingers + distractors).
    public let gallerySize: Int
    /// Searches run (a probe that failed extraction counts as a miss).
    public let probes: Int
    /// Rank-1 identification rate of the cascade.
    public let rank1Cascade: Double
    /// Rank-1 identification rate of exhaustive full matching.
    public let rank1Exhaustive: Double
    /// Gallery comparisons per second of the cascade search (both stages, all threads).
    public let comparisonsPerSecond: Double
    /// Gallery comparisons per second of exhaustive full matching.
    public let exhaustiveComparisonsPerSecond: Double
    /// Cascade survivors re-scored per search.
    public let survivors: Int
    /// Templates the first stage re-ranked per search (``FingerprintGallery/SearchParameters/reranked``).
    public let reranked: Int

    /// Runs it on the templates of `evaluation` (from `dataset`) with `distractors`.
    public static func run(_ evaluation: FingerprintEvaluation, dataset: FVCDataset, distractors: [FingerprintTemplate],
                           parameters: FingerprintGallery.SearchParameters = .init()) -> IdentificationEvaluation {
        var gallery = FingerprintGallery()
        var probes: [(finger: Int, template: FingerprintTemplate?)] = []
        for (item, template) in zip(dataset.items, evaluation.templates) {
            if item.impression == 1 {
                if let template { gallery.add(template, id: "finger-\(item.finger)") }
            } else {
                probes.append((item.finger, template))
            }
        }
        for (i, d) in distractors.enumerated() { gallery.add(d, id: "distractor-\(i)") }
        let prepared = probes.map { $0.template.map(gallery.matcher.prepare) }
        var hitsCascade = 0, hitsExhaustive = 0
        var cascadeSeconds = 0.0, exhaustiveSeconds = 0.0
        for (probe, p) in zip(probes, prepared) {
            guard let p else { continue }
            let expected = "finger-\(probe.finger)"
            var start = DispatchTime.now().uptimeNanoseconds
            if gallery.search(p, k: 1, parameters: parameters).first?.id == expected { hitsCascade += 1 }
            cascadeSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            start = DispatchTime.now().uptimeNanoseconds
            if gallery.searchExhaustive(p, k: 1, threads: parameters.threads).first?.id == expected { hitsExhaustive += 1 }
            exhaustiveSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let searched = Double(prepared.compactMap { $0 }.count)
        let n = Double(max(1, probes.count))
        return IdentificationEvaluation(
            gallerySize: gallery.count, probes: probes.count,
            rank1Cascade: Double(hitsCascade) / n, rank1Exhaustive: Double(hitsExhaustive) / n,
            comparisonsPerSecond: cascadeSeconds > 0 ? searched * Double(gallery.count) / cascadeSeconds : 0,
            exhaustiveComparisonsPerSecond: exhaustiveSeconds > 0 ? searched * Double(gallery.count) / exhaustiveSeconds : 0,
            survivors: parameters.survivors, reranked: parameters.reranked)
    }
}
