import ArgumentParser
import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Accuracy evaluation (ISO/IEC 19795-1 figures).",
        subcommands: [Face.self, Finger.self, Altered.self, Fusion.self, Pad.self, Identify.self, FingerTail.self])

    struct Face: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "All-pairs face verification evaluation of a dataset folder (one sub-folder per identity).")

        @Option(help: "Dataset folder: one sub-folder per identity.") var dataset: String
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Also embed each aligned face's mirror image (more accurate, about 1.7× slower).") var flip = false
        @Option(help: "Write report.json and the DET and score-histogram PNGs to this folder.") var report: String?

        func run() throws {
            let models = try loadModels()
            var options = FacePipeline.Options()
            options.flipAugmentation = flip
            let pipeline = FacePipeline(models: models, options: options)
            let images = try reportingFaceErrors { try LabelledImage.scan(dataset) }
            let result = FaceEvaluation.run(images: images, pipeline: pipeline)
            let comparator = try? FaceComparator(models: models)
            let figures = EvalFaceReport(result: result, dataset: dataset, model: models.recognizerInfo, comparator: comparator)
            if let directory = report {
                try EvaluationReport(title: "face, \(URL(fileURLWithPath: dataset).lastPathComponent)",
                                     series: [ReportSeries(label: models.recognizerInfo.id, genuine: result.rates.genuine, impostor: result.rates.impostor,
                                                           thresholds: comparator?.calibration.thresholds ?? [:])],
                                     figures: figures).write(to: directory)
            }
            let report = figures
            if json {
                try printJSON(report)
            } else {
                print("dataset \(dataset): \(report.images) images, FTA \(report.fta) (\(result.failures.count))")
                print("pairs: \(report.genuinePairs) genuine, \(report.impostorPairs) impostor")
                print(String(format: "EER %.4f", report.eer))
                for key in report.fnmrAtFMR.keys.sorted(by: >) {
                    print(String(format: "FNMR at FMR %@: %.4f", key, report.fnmrAtFMR[key] ?? 0))
                }
                print(String(format: "%.1f ms per image", report.secondsPerImage * 1000))
                for f in result.failures { print("FTA: \(f.file): \(f.reason)") }
            }
        }
    }
}

/// The JSON of `biomatch eval face` (rates are fractions).
struct EvalFaceReport: Encodable {
    var dataset: String
    var model: String
    var images: Int
    var fta: Double
    var ftaCount: Int
    var failures: [FaceEvaluation.Failure]
    var genuinePairs: Int
    var impostorPairs: Int
    var eer: Double
    var fnmrAtFMR: [String: Double]
    /// FMR and FNMR on this dataset at the manifest's calibrated thresholds.
    var atCalibratedThresholds: [String: [String: Double]]
    var secondsPerImage: Double

    init(result: FaceEvaluation, dataset: String, model: ModelManifest.Model, comparator: FaceComparator?) {
        self.dataset = dataset
        self.model = "\(model.id) \(model.version)"
        images = result.images
        fta = result.failureToAcquireRate
        ftaCount = result.failures.count
        failures = result.failures
        genuinePairs = result.rates.genuine.count
        impostorPairs = result.rates.impostor.count
        eer = result.rates.equalErrorRate
        var fnmr: [String: Double] = [:]
        for target in [FMRTarget.oneInHundred, .oneInThousand, .oneInTenThousand] {
            fnmr[target.key] = result.rates.falseNonMatchRate(at: target)
        }
        fnmrAtFMR = fnmr
        var calibrated: [String: [String: Double]] = [:]
        if let comparator {
            for (key, threshold) in comparator.calibration.thresholds {
                calibrated[key] = [
                    "threshold": Double(threshold),
                    "fmr": result.rates.falseMatchRate(at: threshold),
                    "fnmr": result.rates.falseNonMatchRate(at: threshold),
                ]
            }
        }
        atCalibratedThresholds = calibrated
        secondsPerImage = result.secondsPerImage
    }

    enum CodingKeys: String, CodingKey {
        case dataset, model, images, fta, failures, eer
        case ftaCount = "fta_count"
        case genuinePairs = "genuine_pairs"
        case impostorPairs = "impostor_pairs"
        case fnmrAtFMR = "fnmr_at_fmr"
        case atCalibratedThresholds = "at_calibrated_thresholds"
        case secondsPerImage = "seconds_per_image"
    }
}
