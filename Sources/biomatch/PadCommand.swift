import ArgumentParser
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
}

/// Reads a PAD dataset described by `labels.csv` (`path,label,subject_id[,…]`; label `live`
/// or `spoof_<type>`), keeping the subjects asked for.
func loadPADSamples(_ dataset: String, subjects: Set<String>) throws -> [PADSample] {
    let root = URL(fileURLWithPath: dataset, isDirectory: true)
    guard let text = try? String(contentsOf: root.appendingPathComponent("labels.csv"), encoding: .utf8) else {
        printError("\(dataset)/labels.csv cannot be read (columns path,label,subject_id)")
        throw ExitCode(2)
    }
    var samples: [PADSample] = []
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
        let f = line.split(separator: ",").map(String.init)
        guard f.count >= 3, subjects.isEmpty || subjects.contains(f[2]) else { continue }
        let type = f[1] == "live" ? nil : String(f[1].replacingOccurrences(of: "spoof_", with: ""))
        samples.append(PADSample(url: root.appendingPathComponent(f[0]), attackType: type, subject: f[2]))
    }
    guard !samples.isEmpty else {
        printError("no samples of subjects \(subjects.sorted().joined(separator: ", ")) in \(dataset)/labels.csv")
        throw ExitCode(2)
    }
    return samples
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
func passiveFeatures(_ url: URL, pipeline: FacePipeline) throws -> (features: [Float], milliseconds: Double) {
    let image = try DecodedImage(contentsOf: url)
    var bgr = image.bgrPixels(), width = image.width, height = image.height
    for turn in 0..<4 {
        let candidate = turn == 0 ? image : try DecodedImage(pixels: bgr, width: width, height: height, channels: 3)
        if let face = try pipeline.detect(in: candidate).max(by: { $0.confidence < $1.confidence }) {
            // Timed apart from detection, which the terminal's capture has already done.
            let start = DispatchTime.now().uptimeNanoseconds
            let features = try ColorTextureFeatures.extract(bgr: bgr, width: width, height: height,
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

/// Features of every sample on two workers; failures named.
func passiveFeatures(_ samples: [PADSample], pipeline: FacePipeline) -> [Result<(features: [Float], milliseconds: Double), any Error>] {
    let results = Mutex([Result<(features: [Float], milliseconds: Double), any Error>?](repeating: nil, count: samples.count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 2) { _ in
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= samples.count { break }
            let r = Result { try passiveFeatures(samples[i].url, pipeline: pipeline) }
            results.withLock { $0[i] = r }
        }
    }
    return results.withLock { $0 }.map { $0 ?? .failure(LivenessError("not processed")) }
}

/// Where the passive face model lives.
func passiveModelPath() -> String {
    ((try? FaceModels.locateDirectory())?.appendingPathComponent("pad-face-lbp.json").path) ?? "Models/pad-face-lbp.json"
}

func loadPassiveModel(_ path: String?) throws -> PassiveFaceModel {
    let path = path ?? passiveModelPath()
    guard let data = FileManager.default.contents(atPath: path), let model = try? JSONDecoder().decode(PassiveFaceModel.self, from: data) else {
        printError("no passive PAD model at \(path); train one with `biomatch pad train`")
        throw ExitCode(3)
    }
    return model
}

/// `biomatch pad …`: training the passive face PAD model.
struct PadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pad", abstract: "Presentation attack detection models.",
                                                    subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the passive face PAD model (colour-texture LBP + logistic regression) on some subjects of a dataset.",
            discussion: "Deterministic: the same data and options give the same model. The model records this command.")
        @Option(help: "Dataset with labels.csv (path,label,subject_id).") var dataset: String
        @Option(help: "Training subjects, e.g. 0001-0006.") var subjects: String
        @Option(help: "Where to write the model (default: Models/pad-face-lbp.json).") var out: String?
        @Option(help: "L2 regularisation.") var l2 = 1e-2
        @Option(help: "Gradient-descent iterations.") var iterations = 2000

        func run() throws {
            ComputeThreads.setOpenCVThreads(1)
            let pipeline = FacePipeline(models: try loadModels(instances: 2))
            let samples = try loadPADSamples(dataset, subjects: try parseSubjects(subjects))
            var features: [[Float]] = [], labels: [Bool] = [], failed = 0
            for (sample, result) in zip(samples, passiveFeatures(samples, pipeline: pipeline)) {
                switch result {
                case .success(let f): features.append(f.features); labels.append(sample.attackType == nil)
                case .failure: failed += 1
                }
            }
            let provenance = "biomatch pad train --dataset \(URL(fileURLWithPath: dataset).lastPathComponent) --subjects \(subjects) --l2 \(l2) --iterations \(iterations); \(features.count) samples (\(labels.filter { $0 }.count) bona fide), \(failed) without a face; deterministic (no random seed)"
            let model = try PassiveFaceModel.train(features: features, bonaFide: labels, l2: l2, iterations: iterations, provenance: provenance)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let path = out ?? passiveModelPath()
            try encoder.encode(model).write(to: URL(fileURLWithPath: path))
            print("\(path): \(provenance)")
        }
    }
}

extension EvalCommand {
    /// `biomatch eval pad`: ISO/IEC 30107-3 figures of the passive face PAD model.
    struct Pad: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Evaluate passive face PAD on some subjects of a dataset: APCER per attack type, BPCER, BPCER20.")
        @Option(help: "Dataset with labels.csv (path,label,subject_id).") var dataset: String
        @Option(help: "Evaluation subjects, e.g. 0007-0009 (default: all).") var subjects: String?
        @Option(help: "Model file (default: Models/pad-face-lbp.json).") var model: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Write report.json and the APCER/BPCER trade-off and score-histogram PNGs to this folder.") var report: String?

        struct Figures: Encodable {
            var dataset: String
            var subjects: [String]
            var bonaFide: Int
            var attacks: [String: Int]
            var failures: Int
            var bpcer20: Double
            var thresholdAtAPCER5: Double
            var apcerAtThreshold: [String: Double]
            var bpcerAtHalf: Double
            var apcerAtHalf: [String: Double]
            /// Milliseconds per frame for features and score, face box given (median).
            var padMsP50: Double
            var model: String
        }

        func run() throws {
            ComputeThreads.setOpenCVThreads(1)
            let pipeline = FacePipeline(models: try loadModels(instances: 2))
            let passive = try loadPassiveModel(model)
            let chosen = try subjects.map(parseSubjects) ?? []
            let samples = try loadPADSamples(dataset, subjects: chosen)
            var bona: [Double] = [], attacks: [String: [Double]] = [:], failures = 0, timings: [Double] = []
            for (sample, result) in zip(samples, passiveFeatures(samples, pipeline: pipeline)) {
                guard case .success(let f) = result else { failures += 1; continue }
                let start = DispatchTime.now().uptimeNanoseconds
                let s = passive.score(f.features)
                timings.append(f.milliseconds + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                if let type = sample.attackType { attacks[type, default: []].append(s) } else { bona.append(s) }
            }
            let rates = PADErrorRates(bonaFide: bona, attacks: attacks)
            let t = rates.threshold(forAPCER: 0.05)
            let figures = Figures(dataset: dataset, subjects: chosen.sorted(), bonaFide: bona.count, attacks: attacks.mapValues(\.count),
                                  failures: failures, bpcer20: rates.bpcer20, thresholdAtAPCER5: t,
                                  apcerAtThreshold: attacks.keys.reduce(into: [:]) { $0[$1] = rates.apcer($1, at: t) },
                                  bpcerAtHalf: rates.bpcer(at: 0.5), apcerAtHalf: attacks.keys.reduce(into: [:]) { $0[$1] = rates.apcer($1, at: 0.5) },
                                  padMsP50: timings.isEmpty ? 0 : timings.sorted()[timings.count / 2], model: passive.provenance)
            if let directory = report {
                try EvaluationReport(title: "passive face PAD, \(URL(fileURLWithPath: dataset).lastPathComponent)", kind: "pad",
                                     series: [ReportSeries(label: "colour-texture LBP", genuine: bona.map(Float.init),
                                                           impostor: attacks.values.joined().map(Float.init))],
                                     figures: figures).write(to: directory)
            }
            if json { try printJSON(figures); return }
            print("\(bona.count) bona fide, " + attacks.map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ") + " attacks; \(failures) without a face")
            print(String(format: "BPCER20 %.4f (threshold %.4f: APCER ", rates.bpcer20, t) + figures.apcerAtThreshold.map { String(format: "%@ %.4f", $0.key, $0.value) }.sorted().joined(separator: ", ") + ")")
            print(String(format: "at 0.5: BPCER %.4f, APCER ", figures.bpcerAtHalf) + figures.apcerAtHalf.map { String(format: "%@ %.4f", $0.key, $0.value) }.sorted().joined(separator: ", "))
            print(String(format: "passive PAD %.2f ms per frame (median; features and score, face box given, 2 workers)", figures.padMsP50))
        }
    }
}
