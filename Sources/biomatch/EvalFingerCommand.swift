import ArgumentParser
import BiomatchEvaluation
import BiomatchFingerprint
import BiomatchKernels
import Foundation

extension EvalCommand {
    struct Finger: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fingerprint verification evaluation of an FVC-named folder (F_k.png).",
            discussion: "Reports the FVC protocol (genuine: all impression pairs of a finger; impostor: first impressions of different fingers) and all pairs (every cross-finger pair as impostor). Failed extractions count as FTE and their comparisons as non-matches.")

        @Option(help: "Folder of FVC-named images.") var dataset: String
        @Option(help: "Resolution in dpi (default: 569 for a folder named DB2…, else 500).") var dpi: Int?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Write every pair's score to this CSV file (file_a,file_b,genuine,score).") var scoresOut: String?
        @Option(help: "Write report.json and the DET and score-histogram PNGs (all-pairs protocol) to this folder.") var report: String?
        @Flag(help: "Also run closed-set identification (impression 1 enrolled with distractors; the rest searched), cascade and exhaustive.") var identify = false
        @Option(help: "Distractor templates in the identification gallery (real-derived from the other sets).") var distractors = 10_000
        @Option(parsing: .upToNextOption, help: "FVC folders the distractors come from (default: the dataset's sibling DB* folders).") var distractorSets: [String] = []
        @Option(help: "Cascade survivors re-scored by the full matcher.") var survivors = FingerprintGallery.SearchParameters().survivors
        @Option(help: "Templates the first stage re-ranks with its dearer vote before the survivors are taken (0: none).")
        var reranked = FingerprintGallery.SearchParameters().reranked
        @OptionGroup var kernels: KernelOptions

        func run() throws {
            let level = kernels.apply()
            let set = try reportingFingerprintErrors { try FVCDataset(directory: URL(fileURLWithPath: dataset), dpi: dpi) }
            let result = FingerprintEvaluation.run(set)
            var report = EvalFingerReport(result, dataset: dataset, dpi: set.dpi)
            if identify {
                let pool = try distractorSources(excluding: set.directory)
                var parameters = FingerprintGallery.SearchParameters()
                parameters.survivors = survivors
                parameters.reranked = reranked
                let id = IdentificationEvaluation.run(result, dataset: set, distractors: realDerivedTemplates(from: pool, count: distractors),
                                                      parameters: parameters)
                report.identification = EvalFingerReport.Identification(id, distractors: distractors, distractorSources: pool.count,
                                                                        simd: level.description)
                report.comparisonsPerSecond = id.comparisonsPerSecond
            }
            if let scoresOut {
                var csv = "file_a,file_b,genuine,score\n"
                for p in result.pairScores {
                    let a = set.items[p.i], b = set.items[p.j]
                    csv += "\(a.url.lastPathComponent),\(b.url.lastPathComponent),\(a.finger == b.finger ? 1 : 0),\(p.score)\n"
                }
                try Data(csv.utf8).write(to: URL(fileURLWithPath: scoresOut))
            }
            if let directory = self.report {
                let thresholds = Dictionary(uniqueKeysWithValues: FingerprintMatcher.calibration.map { ($0.label, Float($0.threshold)) })
                try EvaluationReport(title: "finger, \(URL(fileURLWithPath: dataset).lastPathComponent) (all pairs)",
                                     series: [ReportSeries(label: "MCC matcher", genuine: result.allPairs.genuine, impostor: result.allPairs.impostor,
                                                           thresholds: thresholds)],
                                     figures: report).write(to: directory)
            }
            if json {
                try printJSON(report)
            } else {
                print("dataset \(dataset) (\(set.dpi) dpi): \(report.images) images, FTE \(report.fte) (\(result.failures.count))")
                print(String(format: "EER FVC protocol %.4f (%d genuine, %d impostor)", report.eerFVC, report.genuinePairs, report.impostorPairsFVC))
                print(String(format: "EER all pairs    %.4f (%d impostor)", report.eerAllPairs, report.impostorPairsAll))
                for key in report.fnmrAtFMR.keys.sorted(by: >) {
                    print(String(format: "FNMR at FMR %@: %.4f", key, report.fnmrAtFMR[key] ?? 0))
                }
                print(String(format: "extraction p50 %.1f ms", report.extractMsP50))
                if let id = report.identification {
                    print(String(format: "identification: gallery %d (%d distractors), %d probes, rank-1 cascade %.4f, exhaustive %.4f",
                                 id.gallerySize, id.distractors, id.probes, id.rank1Cascade, id.rank1Exhaustive))
                    print(String(format: "1:N comparisons per second: cascade %.0f, exhaustive %.0f (survivors %d of %d re-ranked; %@ kernels)",
                                 id.comparisonsPerSecond, id.exhaustiveComparisonsPerSecond, id.survivors, id.reranked, id.simd))
                }
                for f in result.failures { print("FTE: \(f.file): \(f.reason)") }
            }
        }

        /// Templates of the distractor folders (never the evaluated set itself).
        func distractorSources(excluding directory: URL) throws -> [FingerprintTemplate] {
            var folders = distractorSets.map { URL(fileURLWithPath: $0) }
            if folders.isEmpty {
                let parent = directory.deletingLastPathComponent()
                let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
                folders = names.sorted().filter { $0.uppercased().hasPrefix("DB") && $0 != directory.lastPathComponent }
                    .map { parent.appendingPathComponent($0) }
            }
            var pool: [FingerprintTemplate] = []
            for folder in folders where folder.standardizedFileURL != directory.standardizedFileURL {
                let set = try reportingFingerprintErrors { try FVCDataset(directory: folder) }
                pool += FingerprintEvaluation.extract(set).compactMap(\.template)
            }
            guard !pool.isEmpty else {
                printError("no distractor templates: pass --distractor-sets with FVC folders other than the dataset")
                throw ExitCode(2)
            }
            return pool
        }
    }
}

/// The JSON of `biomatch eval finger` (rates are fractions).
struct EvalFingerReport: Encodable {
    var dataset: String
    var dpi: Int
    var images: Int
    var fte: Double
    var failures: [FingerprintEvaluation.Failure]
    var genuinePairs: Int
    var impostorPairsFVC: Int
    var impostorPairsAll: Int
    var eerFVC: Double
    var eerAllPairs: Double
    var fnmrAtFMR: [String: Double]
    var extractMsP50: Double
    var comparisonsPerSecond: Double?
    var identification: Identification?

    /// `--identify` figures.
    struct Identification: Encodable {
        var gallerySize: Int, probes: Int, distractors: Int, distractorSources: Int, survivors: Int, reranked: Int
        /// The kernels' instruction set in force (`SIMDLevel`).
        var simd: String
        var rank1Cascade: Double, rank1Exhaustive: Double
        var comparisonsPerSecond: Double, exhaustiveComparisonsPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case gallerySize = "gallery_size", probes, distractors, distractorSources = "distractor_sources", survivors, reranked, simd
            case rank1Cascade = "rank1_cascade", rank1Exhaustive = "rank1_exhaustive"
            case comparisonsPerSecond = "comparisons_per_second", exhaustiveComparisonsPerSecond = "exhaustive_comparisons_per_second"
        }

        init(_ e: IdentificationEvaluation, distractors: Int, distractorSources: Int, simd: String) {
            gallerySize = e.gallerySize; probes = e.probes; survivors = e.survivors; reranked = e.reranked
            self.distractors = distractors; self.distractorSources = distractorSources
            self.simd = simd
            rank1Cascade = e.rank1Cascade; rank1Exhaustive = e.rank1Exhaustive
            comparisonsPerSecond = e.comparisonsPerSecond; exhaustiveComparisonsPerSecond = e.exhaustiveComparisonsPerSecond
        }
    }

    enum CodingKeys: String, CodingKey {
        case dataset, dpi, images, fte, failures
        case genuinePairs = "genuine_pairs", impostorPairsFVC = "impostor_pairs_fvc", impostorPairsAll = "impostor_pairs_all"
        case eerFVC = "eer_fvc", eerAllPairs = "eer_all_pairs", fnmrAtFMR = "fnmr_at_fmr"
        case extractMsP50 = "extract_ms_p50", comparisonsPerSecond = "comparisons_per_second", identification
    }

    init(_ r: FingerprintEvaluation, dataset: String, dpi: Int) {
        self.dataset = dataset
        self.dpi = dpi
        images = r.images
        fte = r.failureToEnrolRate
        failures = r.failures
        genuinePairs = r.fvc.genuine.count
        impostorPairsFVC = r.fvc.impostor.count
        impostorPairsAll = r.allPairs.impostor.count
        eerFVC = r.fvc.equalErrorRate
        eerAllPairs = r.allPairs.equalErrorRate
        var fnmr: [String: Double] = [:]
        for target in [FMRTarget.oneInHundred, .oneInThousand] { fnmr[target.key] = r.allPairs.falseNonMatchRate(at: target) }
        let highestImpostor = r.allPairs.impostor.last ?? -.infinity
        fnmr["0"] = r.allPairs.falseNonMatchRate(at: highestImpostor.nextUp)
        fnmrAtFMR = fnmr
        let sorted = r.extractMilliseconds.sorted()
        extractMsP50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
