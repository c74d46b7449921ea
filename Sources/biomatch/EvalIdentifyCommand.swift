import ArgumentParser
import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import Foundation

extension EvalCommand {
    /// `biomatch eval identify`: open-set face identification through the engine.
    struct Identify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open-set face identification through the engine: FPIR on non-mated searches and FNIR on mated ones, over the whole gallery and within partitions (ISO/IEC 19795-1).",
            discussion: "Every face of the dataset root (one folder per dataset: identity folders, or deepface's DERIVED_identities.csv) is embedded once. Non-mated: identities in --folds folds, each fold searched against a store holding all the others. Mated: --rounds rounds, each holding one image per identity out of the store and searching it. Each search runs over the whole gallery and within a partition of about --partition-size references. Refusals (the FPIR rule cannot be held, ambiguity) name nobody and are counted by reason. Rates carry 95 % Clopper–Pearson intervals.")
        @Option(help: "Dataset root (../shared/data/face).") var dataset: String
        @Option(help: "Non-mated folds.") var folds = 10
        @Option(help: "Mated rounds.") var rounds = 5
        @Option(help: "References per partition (about).") var partitionSize = 100
        @Option(help: "Tiers as NAME=FPIR, comma-separated.") var tiers = "low=1e-3,standard=1e-4"
        @Option(help: "Folder for the throwaway stores.") var work = FileManager.default.temporaryDirectory.path
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var parsed: [RiskTier] = []
            for part in tiers.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, let target = FMRTarget(kv[1]), target.rate > 0 else {
                    printError("--tiers takes NAME=FPIR pairs such as low=1e-3")
                    throw ExitCode(2)
                }
                parsed.append(RiskTier(name: kv[0], maximumAmount: nil, fmrTarget: target))
            }
            let models = try loadModels()
            let comparator = try reportingFaceErrors { try FaceComparator(models: models) }
            let images = try IdentificationEvaluation.faceImages(root: URL(fileURLWithPath: dataset))
            guard !images.isEmpty else {
                printError("\(dataset) holds no labelled face images")
                throw ExitCode(2)
            }
            let extracted = FaceEvaluation.extract(images: images, pipeline: FacePipeline(models: models))
            let templates = extracted.map { try? $0.get() }
            let quiet = json
            let result = try await reportingEngineErrors {
                try await IdentificationEvaluation.run(images: images, templates: templates, comparator: comparator, tiers: parsed,
                                                       folds: folds, rounds: rounds, partitionSize: partitionSize,
                                                       workDirectory: URL(fileURLWithPath: work),
                                                       progress: { line in if !quiet { printError(line) } })
            }
            if json {
                try printStoreJSON(result)
                return
            }
            print("\(result.images) images, \(result.templates) templates (FTA \(result.failures.count)), \(result.identities) identities")
            print("non-mated galleries \(result.nonMatedGallery.lowerBound)–\(result.nonMatedGallery.upperBound) references; mated \(result.matedGallery.lowerBound)–\(result.matedGallery.upperBound); partitions of about \(result.partitionSize)")
            for c in result.conditions {
                let scope = c.partitioned ? "partitions" : "whole gallery"
                for (kind, o) in [("non-mated", c.nonMated), ("mated", c.mated)] {
                    let refused = o.refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    let rate = o.rate.map { String(format: "%@ %.4f [%.4f, %.4f]", kind == "mated" ? "FNIR" : "FPIR", $0.rate, $0.lower, $0.upper) } ?? ""
                    print("\(c.tier) (FPIR \(c.fpirTarget)), \(scope), \(kind): \(o.searches) searches, \(o.correct) correct, \(o.wrong) wrong, \(o.noMatch) no match, refused: \(refused.isEmpty ? "none" : refused); \(rate)")
                }
            }
        }
    }
}
