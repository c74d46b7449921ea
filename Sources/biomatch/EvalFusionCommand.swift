import ArgumentParser
import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import Foundation

extension EvalCommand {
    /// `biomatch eval fusion`: face, finger and fused verification on virtual subjects.
    struct Fusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Face + finger fusion on virtual subjects (the i-th face identity paired with the i-th finger).",
            discussion: "Faces: one sub-folder per identity (for example ../shared/data/face/orl). Fingers: a folder of FVC sets (for example ../shared/data/finger/fvc2002), each with F_k images. Every pair of samples is compared; the fused score is −log10 of the Fisher-combined FMR of the two comparisons' calibrated evidences.")
        @Option(help: "Face dataset folder.") var faceDataset: String
        @Option(help: "Folder of FVC sets.") var fingerDataset: String
        @Option(help: "Samples per virtual subject.") var samples = 8
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Write report.json and the DET (face, finger and fused overlaid) and histogram PNGs to this folder.") var report: String?

        func run() throws {
            let models = try loadModels()
            let comparator = try reportingFaceErrors { try FaceComparator(models: models) }
            let images = try reportingFaceErrors { try LabelledImage.scan(faceDataset) }
            let root = URL(fileURLWithPath: fingerDataset, isDirectory: true)
            let folders = ((try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? [])
                .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            let sets = try folders.map { folder in try reportingFingerprintErrors { try FVCDataset(directory: folder) } }
            guard !sets.isEmpty else {
                printError("\(fingerDataset) holds no FVC set folders")
                throw ExitCode(2)
            }
            let result: FusionEvaluation
            do {
                result = try FusionEvaluation.run(
                    faceImages: images, fingerSets: sets, pipeline: FacePipeline(models: models),
                    faceNormalizer: try ScoreNormalizer(calibration: comparator.calibration),
                    fingerNormalizer: try ScoreNormalizer(points: FingerprintMatcher.calibration.map { .init(threshold: $0.threshold, rate: $0.rate) }),
                    samples: samples)
            } catch let error as EvaluationError {
                printError(error.message)
                throw ExitCode(2)
            }
            let figures = EvalFusionReport(result, faceDataset: faceDataset, fingerDataset: fingerDataset)
            if let directory = report {
                try EvaluationReport(title: "fusion, \(URL(fileURLWithPath: faceDataset).lastPathComponent) + FVC2002",
                                     series: [ReportSeries(label: "face", genuine: result.face.genuine, impostor: result.face.impostor),
                                              ReportSeries(label: "finger", genuine: result.finger.genuine, impostor: result.finger.impostor),
                                              ReportSeries(label: "fused", genuine: result.fused.genuine, impostor: result.fused.impostor)],
                                     figures: figures).write(to: directory)
            }
            let report = figures
            if json {
                try printJSON(report)
            } else {
                print("\(report.subjects) virtual subjects × \(report.samplesPerSubject) samples: \(report.genuinePairs) genuine, \(report.impostorPairs) impostor pairs")
                print("pairing: \(report.pairing)")
                for (name, m) in [("face", report.face), ("finger", report.finger), ("fused", report.fused)] {
                    print(String(format: "%-6@ EER %.4f  FNMR@1e-2 %.4f  FNMR@1e-3 %.4f  FNMR@1e-4 %.4f", name as NSString, m.eer,
                                 m.fnmrAtFMR["1e-2"] ?? 0, m.fnmrAtFMR["1e-3"] ?? 0, m.fnmrAtFMR["1e-4"] ?? 0))
                }
                for (key, v) in report.fusedAtAnalyticThresholds.sorted(by: { $0.key > $1.key }) {
                    print(String(format: "fused rule at −log10(%@): FMR %.2e, FNMR %.4f", key, v["fmr"] ?? 0, v["fnmr"] ?? 0))
                }
                print("failures: \(report.faceFailures.count) face, \(report.fingerFailures.count) finger")
            }
        }
    }
}

/// The JSON of `biomatch eval fusion` (rates are fractions).
struct EvalFusionReport: Encodable {
    struct Modality: Encodable {
        var eer: Double
        var fnmrAtFMR: [String: Double]
    }

    var faceDataset: String
    var fingerDataset: String
    var pairing: String
    var subjects: Int
    var samplesPerSubject: Int
    var subjectPairs: [FusionEvaluation.Subject]
    var genuinePairs: Int
    var impostorPairs: Int
    var face: Modality
    var finger: Modality
    var fused: Modality
    /// FMR and FNMR of the fused decision at its analytic thresholds −log10(target).
    var fusedAtAnalyticThresholds: [String: [String: Double]]
    var faceFailures: [String]
    var fingerFailures: [String]

    init(_ r: FusionEvaluation, faceDataset: String, fingerDataset: String) {
        func figures(_ rates: VerificationErrorRates) -> Modality {
            var fnmr: [String: Double] = [:]
            for target in [FMRTarget.oneInHundred, .oneInThousand, .oneInTenThousand] { fnmr[target.key] = rates.falseNonMatchRate(at: target) }
            return Modality(eer: rates.equalErrorRate, fnmrAtFMR: fnmr)
        }
        self.faceDataset = faceDataset
        self.fingerDataset = fingerDataset
        pairing = "subject i = face identity i (folders in natural order) + finger i (sets, then finger numbers); sample k = face image k (file names in natural order) + impression k"
        subjects = r.subjects.count
        samplesPerSubject = r.samplesPerSubject
        subjectPairs = r.subjects
        genuinePairs = r.fused.genuine.count
        impostorPairs = r.fused.impostor.count
        face = figures(r.face)
        finger = figures(r.finger)
        fused = figures(r.fused)
        var analytic: [String: [String: Double]] = [:]
        for target in [FMRTarget.oneInHundred, .oneInThousand, .oneInTenThousand] {
            let t = Float(-log10(target.rate))
            analytic[target.key] = ["fmr": r.fused.falseMatchRate(at: t), "fnmr": r.fused.falseNonMatchRate(at: t)]
        }
        fusedAtAnalyticThresholds = analytic
        faceFailures = r.faceFailures
        fingerFailures = r.fingerFailures
    }
}
