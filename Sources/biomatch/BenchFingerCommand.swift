import ArgumentParser
import BiomatchFingerprint
import BiomatchKernels
import Dispatch
import Foundation

extension BenchCommand {
    struct Finger: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "1:N fingerprint search throughput against a gallery of real-derived templates.",
            discussion: "Templates are extracted from the FVC folders given (default ../shared/data/finger/fvc2002/DB*), then replicated with perturbation (rotation, shift, jitter, dropped and added minutiae) to --gallery-size. Probes are fresh perturbations of real templates. Reports gallery comparisons per second of the cascade (both stages) and of exhaustive full matching, on --threads threads.")

        @Option(help: "Templates in the gallery.") var gallerySize = 10_000
        @Option(help: "Searches to time.") var probes = 30
        @Option(help: "Cascade survivors re-scored by the full matcher.") var survivors = FingerprintGallery.SearchParameters().survivors
        @Option(help: "Templates the first stage re-ranks with its dearer vote before the survivors are taken (0: none).")
        var reranked = FingerprintGallery.SearchParameters().reranked
        @Option(help: "Worker threads.") var threads = 2
        @Option(parsing: .upToNextOption, help: "FVC folders to take real templates from.") var sets: [String] = []
        @Flag(help: "Skip the exhaustive reference (slow at large sizes).") var noExhaustive = false
        @OptionGroup var kernels: KernelOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let level = kernels.apply()
            var folders = sets
            if folders.isEmpty {
                let root = "../shared/data/finger/fvc2002"
                folders = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
                    .filter { $0.hasPrefix("DB") }.map { "\(root)/\($0)" }
            }
            var sources: [FingerprintTemplate] = []
            for folder in folders {
                let set = try reportingFingerprintErrors { try FVCDataset(directory: URL(fileURLWithPath: folder)) }
                sources += FingerprintEvaluation.extract(set, threads: threads).compactMap(\.template)
            }
            guard !sources.isEmpty else {
                printError("no templates: pass --sets with FVC folders (../shared/data/finger/fvc2002/DB1_B …)")
                throw ExitCode(2)
            }
            let matcher = FingerprintMatcher()
            let templates = realDerivedTemplates(from: sources, count: gallerySize)
            let prepareStart = DispatchTime.now().uptimeNanoseconds
            let prepared = matcher.prepare(templates, threads: threads)
            let prepareSeconds = Double(DispatchTime.now().uptimeNanoseconds - prepareStart) / 1e9
            var gallery = FingerprintGallery(matcher: matcher)
            for (i, p) in prepared.enumerated() { gallery.add(p, id: "t\(i)") }
            let probeTemplates = (0..<probes).map { sources[($0 * 7) % sources.count].perturbed(seed: 0xBEEF &+ UInt64($0)) }
            let probeSet = probeTemplates.map(matcher.prepare)
            var parameters = FingerprintGallery.SearchParameters()
            parameters.survivors = survivors
            parameters.reranked = reranked
            parameters.threads = threads
            _ = gallery.search(probeSet[0], k: 10, parameters: parameters)  // warm-up
            var latencies: [Double] = []
            var agree = 0
            var exhaustiveSeconds = 0.0
            for (i, probe) in probeSet.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                let top = gallery.search(probe, k: 1, parameters: parameters)
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                if !noExhaustive && i < 5 {
                    let s = DispatchTime.now().uptimeNanoseconds
                    let reference = gallery.searchExhaustive(probe, k: 1, threads: threads)
                    exhaustiveSeconds += Double(DispatchTime.now().uptimeNanoseconds - s) / 1e9
                    if reference.first?.id == top.first?.id { agree += 1 }
                }
            }
            let total = latencies.reduce(0, +)
            let sorted = latencies.sorted()
            let checked = noExhaustive ? 0 : min(5, probeSet.count)
            let report = BenchFingerReport(
                gallerySize: gallery.count, sourceTemplates: sources.count, probes: probeSet.count, threads: threads,
                simd: level.description, survivors: survivors, reranked: reranked,
                comparisonsPerSecond: Double(gallery.count * probeSet.count) / total,
                searchMsP50: sorted[sorted.count / 2] * 1000,
                exhaustiveComparisonsPerSecond: checked > 0 ? Double(gallery.count * checked) / exhaustiveSeconds : nil,
                top1AgreementWithExhaustive: checked > 0 ? Double(agree) / Double(checked) : nil,
                preparePerSecond: Double(gallery.count) / prepareSeconds,
                galleryMegabytes: Double(gallery.memoryBytes) / 1e6,
                bozorth3ReferencePerSecond: 9_000 * 2)
            if json {
                try printJSON(report)
            } else {
                print(String(format: "gallery %d real-derived templates (from %d real), %d probes, %d threads, %@ kernels",
                             report.gallerySize, report.sourceTemplates, report.probes, threads, report.simd))
                print(String(format: "cascade (survivors %d of %d re-ranked): %.0f comparisons/s, search p50 %.1f ms", survivors, reranked,
                             report.comparisonsPerSecond, report.searchMsP50))
                if let e = report.exhaustiveComparisonsPerSecond {
                    print(String(format: "exhaustive full matcher: %.0f comparisons/s; top-1 agreement %.2f", e, report.top1AgreementWithExhaustive ?? 0))
                }
                print(String(format: "vs bozorth3 (~9,000/s per core, 2 cores, figure from the issue): %.1f×",
                             report.comparisonsPerSecond / report.bozorth3ReferencePerSecond))
                print(String(format: "prepare %.0f templates/s, gallery %.1f MB", report.preparePerSecond, report.galleryMegabytes))
            }
        }
    }
}

/// The JSON of `biomatch bench finger`.
struct BenchFingerReport: Encodable {
    var gallerySize: Int, sourceTemplates: Int, probes: Int, threads: Int
    /// The kernels' instruction set in force (`SIMDLevel`).
    var simd: String
    var survivors: Int, reranked: Int
    var comparisonsPerSecond: Double
    var searchMsP50: Double
    var exhaustiveComparisonsPerSecond: Double?
    var top1AgreementWithExhaustive: Double?
    var preparePerSecond: Double
    var galleryMegabytes: Double
    var bozorth3ReferencePerSecond: Double

    enum CodingKeys: String, CodingKey {
        case gallerySize = "gallery_size", sourceTemplates = "source_templates", probes, threads, simd, survivors, reranked
        case comparisonsPerSecond = "comparisons_per_second", searchMsP50 = "search_ms_p50"
        case exhaustiveComparisonsPerSecond = "exhaustive_comparisons_per_second"
        case top1AgreementWithExhaustive = "top1_agreement_with_exhaustive"
        case preparePerSecond = "prepare_per_second", galleryMegabytes = "gallery_megabytes"
        case bozorth3ReferencePerSecond = "bozorth3_reference_per_second"
    }
}
