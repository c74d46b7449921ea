import ArgumentParser
import BiomatchEvaluation
import BiomatchFace
import Foundation

struct FaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face",
        abstract: "Face templates: extract and compare.",
        subcommands: [Embed.self, Compare.self, Calibrate.self, Export.self])

    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Detect the face in IMAGE and print its template and quality.")

        @Argument(help: "Image file (JPEG, PNG, PGM/PPM, GIF, BMP, WEBP).") var image: String
        @Flag(help: "Every face in the image, not only the primary one.") var all = false
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Write the primary face's serialized template to this file.") var output: String?

        func run() throws {
            let pipeline = FacePipeline(models: try loadModels())
            let captures: [FaceCapture] = try reportingFaceErrors {
                let decoded = try DecodedImage(contentsOf: URL(fileURLWithPath: image))
                return all ? try pipeline.captureAll(in: decoded) : [try pipeline.capture(in: decoded, name: image)]
            }
            guard let primary = captures.first else {
                printError("\(image): no face found")
                throw ExitCode(2)
            }
            if let output {
                try Data(primary.template.serialized()).write(to: URL(fileURLWithPath: output))
            }
            if json {
                try printJSON(captures.map(CaptureReport.init))
            } else {
                for (i, c) in captures.enumerated() {
                    let b = c.face.box
                    print("face \(i): box \(Int(b.x)),\(Int(b.y)) \(Int(b.width))×\(Int(b.height)) confidence \(String(format: "%.3f", c.face.confidence)) quality \(c.quality.score)\(c.quality.reasons.isEmpty ? "" : " (" + c.quality.reasons.map(\.rawValue).joined(separator: ", ") + ")")")
                    print("  template: \(c.template.modelID) \(c.template.modelVersion), \(c.template.dimension)-d, \(c.template.serialized().count) bytes")
                }
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the primary faces of two images at a false-match-rate target.")

        @Argument(help: "First image.") var a: String
        @Argument(help: "Second image.") var b: String
        @Option(help: "False-match-rate target: 1e-2, 1e-3, 1e-4 or 1e-5.") var fmr: String = "1e-4"
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let target = FMRTarget(fmr) else {
                printError("--fmr \(fmr) is not a rate between 0 and 1")
                throw ExitCode(64)
            }
            let models = try loadModels()
            let pipeline = FacePipeline(models: models)
            let comparator = try reportingFaceErrors { try FaceComparator(models: models) }
            let (ca, cb, decision) = try reportingFaceErrors {
                let ca = try pipeline.capture(in: DecodedImage(contentsOf: URL(fileURLWithPath: a)), name: a)
                let cb = try pipeline.capture(in: DecodedImage(contentsOf: URL(fileURLWithPath: b)), name: b)
                return (ca, cb, try comparator.decide(ca.template, cb.template, at: target))
            }
            if json {
                try printJSON(CompareReport(decision: decision, qualityA: ca.quality.score, qualityB: cb.quality.score,
                                            model: ca.template.modelID))
            } else {
                print("\(decision.isMatch ? "MATCH" : "NO MATCH")  score \(String(format: "%.4f", decision.score))  threshold \(String(format: "%.4f", decision.threshold)) at FMR \(decision.fmrTarget)  (quality \(ca.quality.score) / \(cb.quality.score))")
            }
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calibrate decision thresholds from the impostor scores of one or more datasets.",
            discussion: "Each DIR holds one folder per identity. Impostor pairs are taken within each dataset only: a pair from two datasets (a colour web photo against a grey lab crop) is an easy impostor no terminal meets, and pooling such pairs loosens the thresholds. Prints the calibration JSON that Models/manifest.json stores.")

        @Option(name: .customLong("dataset"), help: "Dataset folder (repeatable).") var datasets: [String]
        @Option(help: "Name recorded as the calibration's dataset.") var label: String?

        func run() throws {
            let pipeline = FacePipeline(models: try loadModels())
            var genuine: [Float] = [], impostor: [Float] = []
            var images = 0, templates = 0
            for dir in datasets {
                let set = try reportingFaceErrors { try LabelledImage.scan(dir) }
                let result = FaceEvaluation.run(images: set, pipeline: pipeline)
                genuine += result.rates.genuine
                impostor += result.rates.impostor
                images += set.count
                templates += result.templates
            }
            let name = label ?? datasets.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: "+")
            let calibration = ThresholdCalibration(
                rates: VerificationErrorRates(genuine: genuine, impostor: impostor),
                dataset: "\(name): \(templates) images with a face of \(images), all-pairs impostors within each dataset")
            try printJSON(calibration)
        }
    }
}

extension FaceCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the templates of dataset images as raw float32 rows plus a JSON index (for benchmarks and analysis).",
            discussion: "Writes PREFIX.f32 (one row of DIM little-endian floats per image with a face) and PREFIX.json (dimension, and the file and identity of each row).")

        @Option(name: .customLong("dataset"), help: "Dataset folder, one sub-folder per identity (repeatable).") var datasets: [String]
        @Option(help: "Output prefix.") var output: String

        func run() throws {
            let pipeline = FacePipeline(models: try loadModels())
            var images: [LabelledImage] = []
            for dir in datasets {
                let prefix = URL(fileURLWithPath: dir).lastPathComponent
                images += try reportingFaceErrors { try LabelledImage.scan(dir) }
                    .map { LabelledImage(url: $0.url, identity: prefix + "/" + $0.identity) }
            }
            var floats: [Float] = [], rows: [[String: String]] = []
            var dimension = 0
            for (image, outcome) in zip(images, FaceEvaluation.extract(images: images, pipeline: pipeline)) {
                guard case .success(let t) = outcome else { continue }
                dimension = t.dimension
                floats += t.values
                rows.append(["file": image.url.path, "identity": image.identity])
            }
            try floats.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: URL(fileURLWithPath: output + ".f32"))
            let index: [String: AnyEncodable] = ["dimension": AnyEncodable(dimension), "rows": AnyEncodable(rows)]
            let data = try JSONEncoder().encode(index)
            try data.write(to: URL(fileURLWithPath: output + ".json"))
            FileHandle.standardError.write(Data("exported \(rows.count) of \(images.count) images to \(output).f32/.json\n".utf8))
        }
    }
}

/// Type-erased Encodable for small heterogeneous JSON objects.
struct AnyEncodable: Encodable {
    let encodeTo: (any Encoder) throws -> Void
    init(_ value: some Encodable) { encodeTo = value.encode(to:) }
    func encode(to encoder: any Encoder) throws { try encodeTo(encoder) }
}

struct CaptureReport: Encodable {
    var box: Rectangle
    var confidence: Double
    var landmarks: [Point]
    var quality: CaptureQuality
    var model: String
    var modelVersion: String
    var dimension: Int
    var templateBase64: String

    init(_ c: FaceCapture) {
        box = c.face.box
        confidence = c.face.confidence
        landmarks = c.face.landmarks
        quality = c.quality
        model = c.template.modelID
        modelVersion = c.template.modelVersion
        dimension = c.template.dimension
        templateBase64 = Data(c.template.serialized()).base64EncodedString()
    }

    enum CodingKeys: String, CodingKey {
        case box, confidence, landmarks, quality, model, dimension
        case modelVersion = "model_version"
        case templateBase64 = "template_base64"
    }
}

struct CompareReport: Encodable {
    var decision: FaceDecision
    var qualityA: Int
    var qualityB: Int
    var model: String

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(decision.isMatch, forKey: .match)
        try c.encode(decision.score, forKey: .score)
        try c.encode(decision.threshold, forKey: .threshold)
        try c.encode(decision.fmrTarget, forKey: .fmr)
        try c.encode(qualityA, forKey: .qualityA)
        try c.encode(qualityB, forKey: .qualityB)
        try c.encode(model, forKey: .model)
    }

    enum CodingKeys: String, CodingKey {
        case match, score, threshold, fmr, model
        case qualityA = "quality_a"
        case qualityB = "quality_b"
    }
}
