import ArgumentParser
import BiomatchEngine
import BiomatchFace
import BiomatchLiveness
import Dispatch
import Foundation
import Synchronization

/// A labelled presentation: bona fide or an attack of some type, of one subject.
struct PADSample: Sendable {
    var url: URL
    var attackType: String?  // nil: bona fide
    var subject: String
    /// The image is shrunk by this factor before use (training copies of the face farther away).
    var scale = 1.0
}

/// The modality of a PAD dataset.
enum PADModality: String, ExpressibleByArgument, CaseIterable {
    case face, finger
}

/// Reads a PAD dataset, keeping the subjects asked for (all when `subjects` is empty).
///
/// With `labels.csv` (`path,label,subject_id[,…]`; label `live` or `spoof_<type>`), that
/// file says what each image is. Without it the file names do, LivDet style:
/// `<live|type>_<flat|…>_<finger>_<hand>[_…].png`, the subject being the finger.
func loadPADSamples(_ dataset: String, subjects: Set<String>) throws -> [PADSample] {
    let root = URL(fileURLWithPath: dataset, isDirectory: true)
    var samples: [PADSample] = []
    if let text = try? String(contentsOf: root.appendingPathComponent("labels.csv"), encoding: .utf8) {
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f.count >= 3, subjects.isEmpty || subjects.contains(f[2]) else { continue }
            let type = f[1] == "live" ? nil : String(f[1].replacingOccurrences(of: "spoof_", with: ""))
            samples.append(PADSample(url: root.appendingPathComponent(f[0]), attackType: type, subject: f[2]))
        }
    } else {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
            printError("\(dataset) cannot be read")
            throw ExitCode(2)
        }
        for name in names.sorted() where ["png", "bmp", "jpg", "jpeg", "tif", "tiff"].contains((name as NSString).pathExtension.lowercased()) {
            let parts = (name as NSString).deletingPathExtension.split(separator: "_").map(String.init)
            guard parts.count >= 4 else { continue }
            let subject = parts[2] + "_" + parts[3]
            guard subjects.isEmpty || subjects.contains(subject) else { continue }
            samples.append(PADSample(url: root.appendingPathComponent(name), attackType: parts[0] == "live" ? nil : parts[0], subject: subject))
        }
    }
    guard !samples.isEmpty else {
        printError("no labelled samples\(subjects.isEmpty ? "" : " of subjects " + subjects.sorted().joined(separator: ", ")) in \(dataset) (labels.csv with path,label,subject_id, or LivDet-style names like live_flat_index_left.png)")
        throw ExitCode(2)
    }
    return samples
}

/// The modality asked for, or the one the dataset's layout implies (labels.csv: faces).
func padModality(_ asked: PADModality?, dataset: String) -> PADModality {
    asked ?? (FileManager.default.fileExists(atPath: URL(fileURLWithPath: dataset).appendingPathComponent("labels.csv").path) ? .face : .finger)
}

/// "0001-0006" or "0001,0003" → the subject ids.
func parseSubjects(_ spec: String) throws -> Set<String> {
    var out = Set<String>()
    for part in spec.split(separator: ",") {
        let ends = part.split(separator: "-").map(String.init)
        if ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a <= b {
            for n in a...b { out.insert(String(format: "%0\(ends[0].count)d", n)) }
        } else {
            out.insert(String(part))
        }
    }
    return out
}

/// The passive features of the most confident face in an image; the image is also tried
/// turned by 90°, 180° and 270° when no face is found upright (phone photos stored sideways).
func passiveFeatures(_ url: URL, pipeline: FacePipeline, scale: Double = 1) throws -> (features: [Float], milliseconds: Double) {
    var image = try DecodedImage(contentsOf: url)
    if scale != 1 {
        image = try image.resized(width: max(1, Int((Double(image.width) * scale).rounded())), height: max(1, Int((Double(image.height) * scale).rounded())))
    }
    var bgr = image.bgrPixels(), width = image.width, height = image.height
    for turn in 0..<4 {
        let candidate = turn == 0 ? image : try DecodedImage(pixels: bgr, width: width, height: height, channels: 3)
        if let face = try pipeline.detect(in: candidate, maxInputSide: LivenessAssessor.detectionSide).max(by: { $0.confidence < $1.confidence }) {
            // Timed apart from detection, which the terminal's capture has already done.
            let start = DispatchTime.now().uptimeNanoseconds
            let features = try PassiveFaceFeatures.extract(bgr: bgr, width: width, height: height,
                                                           box: (face.box.x, face.box.y, face.box.width, face.box.height))
            return (features, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        // Rotate 90° clockwise for the next try.
        var rotated = [UInt8](repeating: 0, count: bgr.count)
        for y in 0..<height {
            for x in 0..<width {
                let nx = height - 1 - y, ny = x
                for k in 0..<3 { rotated[(ny * height + nx) * 3 + k] = bgr[(y * width + x) * 3 + k] }
            }
        }
        bgr = rotated
        swap(&width, &height)
    }
    throw LivenessError("no face found in \(url.lastPathComponent), in any orientation")
}

/// The fingerprint PAD features of an image, and the milliseconds they took.
func fingerprintFeatures(_ url: URL) throws -> (features: [Float], milliseconds: Double) {
    let image = try DecodedImage(contentsOf: url)
    let start = DispatchTime.now().uptimeNanoseconds
    let grey = try GreyImage(bgr: image.bgrPixels(), width: image.width, height: image.height)
    let features = try FingerprintTextureFeatures.extract(grey: grey.pixels, width: grey.width, height: grey.height)
    return (features, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}

/// Features of every sample on two workers; failures named.
func padFeatures(_ samples: [PADSample], modality: PADModality, pipeline: FacePipeline?) -> [Result<(features: [Float], milliseconds: Double), any Error>] {
    let results = Mutex([Result<(features: [Float], milliseconds: Double), any Error>?](repeating: nil, count: samples.count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 2) { _ in
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= samples.count { break }
            let r = Result {
                switch modality {
                case .finger: return try fingerprintFeatures(samples[i].url)
                case .face:
                    guard let pipeline else { throw LivenessError("face PAD needs the face models") }
                    return try passiveFeatures(samples[i].url, pipeline: pipeline, scale: samples[i].scale)
                }
            }
            results.withLock { $0[i] = r }
        }
    }
    return results.withLock { $0 }.map { $0 ?? .failure(LivenessError("not processed")) }
}

/// `--scale-copies 0.5[,…]`: the factors, each between 0.1 and 1.
func parseScaleCopies(_ spec: String?) throws -> [Double] {
    try (spec ?? "").split(separator: ",").map { part -> Double in
        guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v > 0.1, v < 1 else {
            printError("--scale-copies takes factors between 0.1 and 1, like 0.5; not \(part)")
            throw ExitCode(2)
        }
        return v
    }
}

/// A copy of every sample shrunk by each factor (label and subject kept).
func scaledCopies(_ samples: [PADSample], _ scales: [Double]) -> [PADSample] {
    scales.flatMap { scale in samples.map { var copy = $0; copy.scale = scale; return copy } }
}

/// Where a modality's PAD model lives.
func padModelPath(_ modality: PADModality) -> String {
    let name = modality == .face ? LivenessAssessor.passiveFaceModelFile : LivenessAssessor.fingerprintModelFile
    return ((try? FaceModels.locateDirectory())?.appendingPathComponent(name).path) ?? "Models/\(name)"
}

func loadPADModel(_ path: String?, modality: PADModality) throws -> PADModel {
    let path = path ?? padModelPath(modality)
    guard let data = FileManager.default.contents(atPath: path), let model = try? JSONDecoder().decode(PADModel.self, from: data) else {
        printError("no \(modality) PAD model at \(path); train one with `biomatch pad train --modality \(modality)`")
        throw ExitCode(3)
    }
    return model
}

/// Features and labels of the samples that could be scored.
struct PADFeatureSet {
    var samples: [PADSample] = []
    var features: [[Float]] = []
    var milliseconds: [Double] = []
    var failures: [(PADSample, String)] = []

    init(_ samples: [PADSample], modality: PADModality, pipeline: FacePipeline?) {
        for (sample, result) in zip(samples, padFeatures(samples, modality: modality, pipeline: pipeline)) {
            switch result {
            case .success(let f): self.samples.append(sample); features.append(f.features); milliseconds.append(f.milliseconds)
            case .failure(let error): failures.append((sample, "\(error)"))
            }
        }
    }

    var bonaFide: [Bool] { samples.map { $0.attackType == nil } }
    var subjects: [String] { samples.map(\.subject) }

    /// Error rates of `scores` (one per sample), of one subject's samples when `subject` is given.
    func rates(_ scores: [Double], subject: String? = nil) -> PADErrorRates {
        var bona: [Double] = [], attacks: [String: [Double]] = [:]
        for (sample, s) in zip(samples, scores) where subject == nil || sample.subject == subject {
            if let type = sample.attackType { attacks[type, default: []].append(s) } else { bona.append(s) }
        }
        return PADErrorRates(bonaFide: bona, attacks: attacks)
    }

    /// Error rates of `scores`, subject by subject.
    func ratesBySubject(_ scores: [Double]) -> [String: PADErrorRates] {
        Set(subjects).reduce(into: [:]) { $0[$1] = rates(scores, subject: $1) }
    }

    /// These samples and `other`'s together.
    func merged(with other: PADFeatureSet) -> PADFeatureSet {
        var out = self
        out.samples += other.samples
        out.features += other.features
        out.milliseconds += other.milliseconds
        out.failures += other.failures
        return out
    }

    /// The samples whose subject satisfies `keep`.
    func subset(_ keep: (String) -> Bool) -> PADFeatureSet {
        var out = self
        let kept = samples.indices.filter { keep(samples[$0].subject) }
        out.samples = kept.map { samples[$0] }
        out.features = kept.map { features[$0] }
        out.milliseconds = kept.map { milliseconds[$0] }
        out.failures = []
        return out
    }

    /// A model trained on these samples, calibrated so each APCER target holds for every
    /// subject left out in turn (``PADCalibration/init(bySubject:targets:)``).
    func trainCalibrated(l2: Double, iterations: Int, provenance: String) throws -> (model: PADModel, heldOutScores: [Double]) {
        var model = try PADModel.train(features: features, bonaFide: bonaFide, l2: l2, iterations: iterations, provenance: provenance)
        let oof = try PADModel.outOfFoldScores(features: features, bonaFide: bonaFide, groups: subjects, l2: l2, iterations: iterations)
        model.calibration = PADCalibration(bySubject: ratesBySubject(oof))
        return (model, oof)
    }
}

/// `biomatch pad …`: training the PAD models.
struct PadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pad", abstract: "Presentation attack detection models.",
                                                    subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a PAD model (face: colour-texture LBP and image distortion; finger: ridge texture) with logistic regression on some subjects of a dataset.",
            discussion: """
                Deterministic: the same data and options give the same model (no random seed is involved). The model is \
                calibrated on leave-one-subject-out scores: for APCER 1, 2, 5, 10 and 20 %, the threshold the worst \
                held-out subject needs (each scored by a model that never saw them), with every subject's own threshold \
                kept beside it. It records the command that made it.
                """)
        @Option(help: "Dataset: labels.csv (path,label,subject_id), or LivDet-style file names.") var dataset: String
        @Option(help: "Training subjects, e.g. 0001-0006 (default: all).") var subjects: String?
        @Option(help: "face or finger (default: face when the dataset has labels.csv).") var modality: PADModality?
        @Option(help: "Where to write the model (default: Models/pad-face-lbp.json or Models/pad-finger-texture.json).") var out: String?
        @Option(help: "L2 regularisation.") var l2 = 1e-2
        @Option(help: "Gradient-descent iterations.") var iterations = 2000
        @Option(help: ArgumentHelp("Face: also train on each image shrunk by these factors, e.g. 0.5 (the face farther from the camera).",
                                   discussion: "Each copy keeps its image's label and subject, so cross-validation holds both out."))
        var scaleCopies: String?

        func run() throws {
            let modality = padModality(self.modality, dataset: dataset)
            ComputeThreads.setOpenCVThreads(1)
            let pipeline = modality == .face ? FacePipeline(models: try loadModels(instances: 2)) : nil
            var samples = try loadPADSamples(dataset, subjects: try subjects.map(parseSubjects) ?? [])
            let scales = try parseScaleCopies(scaleCopies)
            if modality == .face { samples += scaledCopies(samples, scales) }
            let set = PADFeatureSet(samples, modality: modality, pipeline: pipeline)
            let (model, oof) = try reportingLivenessErrors { () throws -> (PADModel, [Double]) in
                let subjectList = Array(Set(set.subjects)).sorted()
                let provenance = "biomatch pad train --modality \(modality) --dataset \(URL(fileURLWithPath: dataset).lastPathComponent)"
                    + (subjects.map { " --subjects \($0)" } ?? "") + " --l2 \(l2) --iterations \(iterations)"
                    + (scales.isEmpty ? "" : " --scale-copies \(scales.map { "\($0)" }.joined(separator: ","))") + "; \(set.samples.count) samples "
                    + "(\(set.bonaFide.filter { $0 }.count) bona fide) of subjects \(subjectList.joined(separator: ",")), \(set.failures.count) unscorable; "
                    + "calibrated for the worst subject on leave-one-subject-out scores; deterministic (no random seed)"
                return try set.trainCalibrated(l2: l2, iterations: iterations, provenance: provenance)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let path = out ?? padModelPath(modality)
            try encoder.encode(model).write(to: URL(fileURLWithPath: path))
            print("\(path): \(model.provenance)")
            let rates = set.rates(oof)
            print(String(format: "leave-one-subject-out: BPCER20 %.4f", rates.bpcer20))
            for p in model.calibration?.points ?? [] {
                let spread = (p.subjectThresholds ?? [:]).sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", ")
                print(String(format: "  APCER %.2f: threshold %.4f (pooled alone %.4f; by subject: %@), BPCER %.4f", p.apcer, p.threshold, p.pooledThreshold ?? .nan, spread, p.bpcer))
            }
            for (sample, why) in set.failures { print("  unscorable: \(sample.url.lastPathComponent): \(why)") }
        }
    }
}

extension EvalCommand {
    /// `biomatch eval pad`: ISO/IEC 30107-3 figures of a PAD model.
    struct Pad: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate face or fingerprint PAD on some subjects of a dataset: APCER per attack type, BPCER, BPCER20.",
            discussion: """
                Reports BPCER20 (BPCER at the threshold where every attack type's APCER is at most 5 %, found on these \
                scores), and APCER/BPCER at the model's own calibrated threshold for APCER 5 % (found on its training \
                subjects): the figure a deployment would see. --cross-validate scores each subject with a model trained on \
                the others instead of the model file (for a dataset too small to hold out subjects).
                """)
        @Option(help: "Dataset: labels.csv (path,label,subject_id), or LivDet-style file names.") var dataset: String
        @Option(help: "Evaluation subjects, e.g. 0007-0009 (default: all).") var subjects: String?
        @Option(help: "face or finger (default: face when the dataset has labels.csv).") var modality: PADModality?
        @Option(help: "Model file (default: the modality's model in Models/).") var model: String?
        @Flag(help: "Leave-one-subject-out cross-validation instead of the model file.") var crossValidate = false
        @Option(help: "L2 regularisation for --cross-validate.") var l2 = 1e-2
        @Option(help: "With --cross-validate: each fold also trains on its subjects' images shrunk by these factors (as pad train --scale-copies).")
        var scaleCopies: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Write report.json and the APCER/BPCER trade-off and score-histogram PNGs to this folder.") var report: String?

        struct SampleScore: Encodable {
            var image: String
            var label: String
            var subject: String
            var score: Double
        }

        struct SubjectFigures: Encodable {
            var subject: String
            var bonaFide: Int
            var attacks: Int
            var threshold: Double
            var apcer: Double
            var bpcer: Double
        }

        struct TransferFigures: Encodable {
            var targetAPCER: Double
            /// The calibrated threshold (with --cross-validate: the lowest and highest over folds).
            var threshold: Double
            var thresholdHighest: Double
            var observedAPCER: Double
            var worstSubjectAPCER: Double
            var worstSubject: String
            var observedBPCER: Double
        }

        struct Figures: Encodable {
            var dataset: String
            var modality: String
            var subjects: [String]
            var bonaFide: Int
            var attacks: [String: Int]
            var failures: Int
            var crossValidated: Bool
            var bpcer20: Double
            var thresholdAtAPCER5: Double
            var apcerAtThreshold: [String: Double]
            /// The model's own threshold for APCER 5 % (from its training calibration).
            var calibratedThreshold: Double?
            var apcerAtCalibrated: [String: Double]?
            var bpcerAtCalibrated: Double?
            var bpcerAtHalf: Double
            var apcerAtHalf: [String: Double]
            /// Each subject at the calibrated APCER-5 % threshold (with --cross-validate, the
            /// threshold calibrated without that subject).
            var perSubject: [SubjectFigures]
            /// Calibration transfer: each calibrated APCER target against the APCER observed on
            /// these (held-out) subjects, pooled and for the worst subject.
            var calibrationTransfer: [TransferFigures]
            /// Milliseconds per presentation for features and score, face box given (median).
            var padMsP50: Double
            var model: String
            /// Every score, for data sets of at most 50 presentations.
            var scores: [SampleScore]?
        }

        func run() throws {
            let modality = padModality(self.modality, dataset: dataset)
            ComputeThreads.setOpenCVThreads(1)
            let pipeline = modality == .face ? FacePipeline(models: try loadModels(instances: 2)) : nil
            let chosen = try subjects.map(parseSubjects) ?? []
            let set = PADFeatureSet(try loadPADSamples(dataset, subjects: chosen), modality: modality, pipeline: pipeline)
            var scores: [Double] = [], timings: [Double] = [], provenance: String, calibrated: Double?
            // The calibration each subject is judged by: the model's, or (cross-validating) that of a
            // model trained and calibrated without the subject.
            var calibrationOf: [String: PADCalibration] = [:]
            let subjectList = Array(Set(set.subjects)).sorted()
            if crossValidate {
                scores = [Double](repeating: 0, count: set.samples.count)
                let scales = try parseScaleCopies(scaleCopies)
                let copies = scales.isEmpty || modality != .face ? nil
                    : PADFeatureSet(scaledCopies(set.samples, scales), modality: modality, pipeline: pipeline)
                try reportingLivenessErrors {
                    for held in subjectList {
                        var training = set.subset { $0 != held }
                        if let copies { training = training.merged(with: copies.subset { $0 != held }) }
                        let (model, _) = try training.trainCalibrated(l2: l2, iterations: 2000, provenance: "fold without \(held)")
                        for i in set.samples.indices where set.samples[i].subject == held { scores[i] = model.score(set.features[i]) }
                        calibrationOf[held] = model.calibration
                    }
                }
                provenance = "leave-one-subject-out over \(subjectList.count) subjects, l2 \(l2)"
                    + (scales.isEmpty ? "" : ", scale copies \(scales.map { "\($0)" }.joined(separator: ","))")
                    + "; each fold calibrated for its worst subject by an inner leave-one-subject-out"
                timings = set.milliseconds
            } else {
                let passive = try loadPADModel(model, modality: modality)
                for (f, ms) in zip(set.features, set.milliseconds) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    scores.append(passive.score(f))
                    timings.append(ms + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
                provenance = passive.provenance
                calibrated = passive.calibration?.threshold(forAPCER: 0.05)
                for subject in subjectList { calibrationOf[subject] = passive.calibration }
            }
            let rates = set.rates(scores)
            let bySubject = set.ratesBySubject(scores)
            let perSubject = subjectList.compactMap { subject -> SubjectFigures? in
                guard let r = bySubject[subject], let t = calibrationOf[subject]?.threshold(forAPCER: 0.05) else { return nil }
                return SubjectFigures(subject: subject, bonaFide: r.bonaFide.count, attacks: r.attacks.values.map(\.count).reduce(0, +),
                                      threshold: t, apcer: r.maximumAPCER(at: t), bpcer: r.bpcer(at: t))
            }
            let transfer = PADCalibration.targets.compactMap { target -> TransferFigures? in
                var thresholds: [String: Double] = [:]
                for subject in subjectList { thresholds[subject] = calibrationOf[subject]?.threshold(forAPCER: target) }
                guard !thresholds.isEmpty else { return nil }
                // Each presentation judged at its own subject's threshold.
                var passedAttacks: [String: (Int, Int)] = [:], rejectedBona = 0, bona = 0
                for (sample, score) in zip(set.samples, scores) {
                    guard let t = thresholds[sample.subject] else { continue }
                    if let type = sample.attackType {
                        passedAttacks[type, default: (0, 0)].0 += score >= t ? 1 : 0
                        passedAttacks[type, default: (0, 0)].1 += 1
                    } else {
                        bona += 1
                        rejectedBona += score < t ? 1 : 0
                    }
                }
                let worst = thresholds.keys.sorted().map { ($0, bySubject[$0]?.maximumAPCER(at: thresholds[$0]!) ?? 0) }.max { $0.1 < $1.1 }
                return TransferFigures(targetAPCER: target, threshold: thresholds.values.min()!, thresholdHighest: thresholds.values.max()!,
                                       observedAPCER: passedAttacks.values.map { Double($0.0) / Double(max(1, $0.1)) }.max() ?? 0,
                                       worstSubjectAPCER: worst?.1 ?? 0, worstSubject: worst?.0 ?? "",
                                       observedBPCER: bona == 0 ? 0 : Double(rejectedBona) / Double(bona))
            }
            if crossValidate {
                // The pooled "calibrated" figures: each subject at its own fold's threshold.
                calibrated = nil
            }
            let types = rates.attacks.keys.sorted()
            let t = rates.threshold(forAPCER: 0.05)
            let figures = Figures(
                dataset: dataset, modality: modality.rawValue, subjects: Array(Set(set.subjects)).sorted(), bonaFide: rates.bonaFide.count,
                attacks: rates.attacks.mapValues(\.count), failures: set.failures.count, crossValidated: crossValidate,
                bpcer20: rates.bpcer20, thresholdAtAPCER5: t, apcerAtThreshold: types.reduce(into: [:]) { $0[$1] = rates.apcer($1, at: t) },
                calibratedThreshold: calibrated, apcerAtCalibrated: calibrated.map { c in types.reduce(into: [:]) { $0[$1] = rates.apcer($1, at: c) } },
                bpcerAtCalibrated: calibrated.map { rates.bpcer(at: $0) },
                bpcerAtHalf: rates.bpcer(at: 0.5), apcerAtHalf: types.reduce(into: [:]) { $0[$1] = rates.apcer($1, at: 0.5) },
                perSubject: perSubject, calibrationTransfer: transfer,
                padMsP50: timings.isEmpty ? 0 : timings.sorted()[timings.count / 2], model: provenance,
                scores: set.samples.count <= 50 ? zip(set.samples, scores).map {
                    SampleScore(image: $0.0.url.lastPathComponent, label: $0.0.attackType ?? "live", subject: $0.0.subject, score: $0.1)
                } : nil)
            if let directory = report {
                try EvaluationReport(title: "\(modality) PAD, \(URL(fileURLWithPath: dataset).lastPathComponent)", kind: "pad",
                                     series: [ReportSeries(label: modality == .face ? "colour texture + image distortion" : "ridge texture",
                                                           genuine: rates.bonaFide.map(Float.init),
                                                           impostor: rates.attacks.values.joined().map(Float.init))],
                                     figures: figures).write(to: directory)
            }
            if json { try printJSON(figures); return }
            func apcers(_ m: [String: Double]) -> String { m.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", ") }
            print("\(rates.bonaFide.count) bona fide, " + types.map { "\(rates.attacks[$0]?.count ?? 0) \($0)" }.joined(separator: ", ")
                  + " attacks; \(set.failures.count) unscorable" + (crossValidate ? "; scores by leave-one-subject-out cross-validation" : ""))
            print(String(format: "BPCER20 %.4f (threshold %.4f found on these scores: APCER ", rates.bpcer20, t) + apcers(figures.apcerAtThreshold) + ")")
            if let c = calibrated, let a = figures.apcerAtCalibrated, let b = figures.bpcerAtCalibrated {
                print(String(format: "at the model's calibrated APCER-5%% threshold %.4f: BPCER %.4f, APCER ", c, b) + apcers(a))
            }
            print(String(format: "at 0.5: BPCER %.4f, APCER ", figures.bpcerAtHalf) + apcers(figures.apcerAtHalf))
            print("by subject, at the calibrated APCER-5 % threshold" + (crossValidate ? " of a model trained and calibrated without the subject:" : ":"))
            print("  subject  bona fide  attacks  threshold  APCER   BPCER")
            for r in perSubject {
                print("  " + r.subject.padding(toLength: 7, withPad: " ", startingAt: 0)
                      + String(format: "  %9d  %7d  %9.4f  %.4f  %.4f", r.bonaFide, r.attacks, r.threshold, r.apcer, r.bpcer))
            }
            print("calibration transfer (target APCER → observed on these subjects):")
            print("  target  threshold        APCER pooled  worst subject     BPCER")
            for r in transfer {
                let t = r.threshold == r.thresholdHighest ? String(format: "%.4f", r.threshold) : String(format: "%.3f–%.3f", r.threshold, r.thresholdHighest)
                print(String(format: "  %.2f    ", r.targetAPCER) + t.padding(toLength: 15, withPad: " ", startingAt: 0)
                      + String(format: "  %.4f        %.4f (%@)  %.4f", r.observedAPCER, r.worstSubjectAPCER, r.worstSubject, r.observedBPCER))
            }
            print(String(format: "PAD %.2f ms per presentation (median; features and score%@, 2 workers)", figures.padMsP50, modality == .face ? ", face box given" : ""))
            for s in figures.scores ?? [] { print("  " + s.image.padding(toLength: 34, withPad: " ", startingAt: 0) + s.label.padding(toLength: 10, withPad: " ", startingAt: 0) + s.subject.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%.4f", s.score)) }
            for (sample, why) in set.failures { print("  unscorable: \(sample.url.lastPathComponent): \(why)") }
        }
    }
}
