import ArgumentParser
import BiomatchFingerprint
import Foundation

struct FingerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finger",
        abstract: "Fingerprint minutiae extraction, standard records and comparison.",
        subcommands: [Extract.self, Compare.self])

    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract the minutiae template of a fingerprint image.",
            discussion: "--format iso or ansi writes an ISO/IEC 19794-2:2005 or ANSI/INCITS 378-2004 record (to --output, or standard output when it is not a terminal); json prints the minutiae.")

        @Argument(help: "Fingerprint image (PNG, BMP, PGM, JPEG, TIFF).") var image: String
        @Option(help: "Sensor resolution in dots per inch.") var dpi: Int = 500
        @Option(help: "Output: json, iso or ansi.") var format: OutputFormat = .json
        @Option(help: "Finger position code 0–10 for the record.") var position: UInt8 = 0
        @Option(help: "Write the record or JSON to this file.") var output: String?
        @Option(help: "Also write the thinned ridge map (PGM) to this file.") var skeleton: String?

        enum OutputFormat: String, ExpressibleByArgument { case json, iso, ansi }

        func run() throws {
            let template = try reportingFingerprintErrors {
                let decoded = try FingerprintImage(contentsOf: URL(fileURLWithPath: image), dpi: dpi)
                if let skeleton { try Data(MinutiaeExtractor().skeletonImage(decoded)).write(to: URL(fileURLWithPath: skeleton)) }
                return try MinutiaeExtractor().extract(decoded)
            }
            let bytes: [UInt8]
            switch format {
            case .json:
                bytes = [UInt8](try snakeCaseEncoder().encode(FingerTemplateReport(template))) + [10]
            case .iso, .ansi:
                let position = FingerPosition(rawValue: position) ?? .unknown
                bytes = try reportingFingerprintErrors {
                    try template.record(format: format == .iso ? .iso19794_2_2005 : .ansi378_2004, position: position).encoded()
                }
                if output == nil, isatty(STDOUT_FILENO) != 0 {
                    printError("refusing to write a binary record to a terminal; use --output FILE or a pipe")
                    throw ExitCode(64)
                }
            }
            if let output {
                try Data(bytes).write(to: URL(fileURLWithPath: output))
            } else {
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two fingerprints (images or ISO/ANSI records) and print the similarity 0–1.")

        @Argument(help: "First fingerprint: image or minutiae record.") var first: String
        @Argument(help: "Second fingerprint: image or minutiae record.") var second: String
        @Option(help: "Resolution of image inputs, dots per inch.") var dpi: Int = 500
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let a = try loadFingerprint(first, dpi: dpi)
            let b = try loadFingerprint(second, dpi: dpi)
            let matcher = FingerprintMatcher()
            let score = matcher.similarity(matcher.prepare(a), matcher.prepare(b))
            let decisions = FingerprintMatcher.calibration.map { target in
                FingerDecisionReport(fmr: target.label, threshold: target.threshold, match: score >= target.threshold)
            }
            if json {
                try printJSON(FingerCompareReport(score: score, minutiae: [a.minutiae.count, b.minutiae.count], decisions: decisions))
            } else {
                print(String(format: "similarity %.4f  (%d and %d minutiae)", score, a.minutiae.count, b.minutiae.count))
                for d in decisions {
                    print(String(format: "  FMR %@  threshold %.4f  %@", d.fmr, d.threshold, d.match ? "MATCH" : "NO MATCH"))
                }
            }
        }
    }
}

/// Loads an image (extracting its template) or an ISO/ANSI minutiae record.
func loadFingerprint(_ path: String, dpi: Int) throws -> FingerprintTemplate {
    try reportingFingerprintErrors {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FingerprintError(.unreadableInput, "cannot read \(path): \(error.localizedDescription)")
        }
        let bytes = [UInt8](data)
        if bytes.starts(with: Array("FMR".utf8) + [0]) {
            return try FingerprintTemplate(record: FingerMinutiaeRecord(bytes: bytes))
        }
        return try MinutiaeExtractor().extract(FingerprintImage(bytes: bytes, dpi: dpi, name: url.lastPathComponent))
    }
}

/// Runs `body`, reporting a ``FingerprintError`` as one line and exit status 2.
func reportingFingerprintErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FingerprintError {
        printError(error.message)
        throw ExitCode(2)
    }
}

struct FingerTemplateReport: Encodable {
    struct Point: Encodable {
        let x: Float, y: Float, direction: Float, type: String, quality: UInt8
    }
    let width: Int, height: Int, dpi: Int, quality: Int
    let minutiae: [Point]

    init(_ t: FingerprintTemplate) {
        width = t.width; height = t.height; dpi = t.dpi; quality = t.quality
        minutiae = t.minutiae.map {
            Point(x: $0.x, y: $0.y, direction: $0.direction,
                  type: $0.kind == .ridgeEnding ? "ending" : ($0.kind == .bifurcation ? "bifurcation" : "other"), quality: $0.quality)
        }
    }
}

struct FingerDecisionReport: Encodable {
    let fmr: String, threshold: Double, match: Bool
}

struct FingerCompareReport: Encodable {
    let score: Double
    let minutiae: [Int]
    let decisions: [FingerDecisionReport]
}
