import ArgumentParser
import BiomatchFace
import Foundation

/// Writes `value` as pretty, key-sorted JSON on standard output, keys in snake_case like
/// every `--json` of the tool (``SnakeCaseKey``; dictionary keys, which are data, stay).
func printJSON(_ value: some Encodable) throws {
    print(String(decoding: try snakeCaseEncoder().encode(value), as: UTF8.self))
}

/// The tool's JSON encoder: snake_case keys (``SnakeCaseKey``), sorted.
func snakeCaseEncoder(pretty: Bool = true) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .custom { path in SnakeCaseKey(path.last?.stringValue ?? "") }
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}

/// A decoder for the tool's own `--json` output: snake_case keys back to the properties'
/// names (camelCase input is read as is). `acronyms` are the words a property spells in
/// capitals (`targetAPCER` ← `target_apcer`).
func snakeCaseDecoder(acronyms: Set<String> = []) -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .custom { path in
        let key = path.last?.stringValue ?? ""
        guard key.contains("_") else { return SnakeCaseKey(verbatim: key) }
        let words = key.split(separator: "_").map(String.init)
        let camel = words.enumerated().map { i, word -> String in
            if i > 0, acronyms.contains(word.uppercased()) { return word.uppercased() }
            return i == 0 ? word : word.prefix(1).uppercased() + word.dropFirst()
        }.joined()
        return SnakeCaseKey(verbatim: camel)
    }
    return decoder
}

/// Writes an operator-facing error line on standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("biomatch: error: \(message)\n".utf8))
}

/// Loads the models once, turning a missing-model error into a clear exit.
func loadModels(instances: Int = 1) throws -> FaceModels {
    do {
        return try FaceModels(instances: instances)
    } catch let error as FaceError {
        printError(error.message)
        throw ExitCode(3)
    }
}

/// Runs `body`, reporting a ``FaceError`` as one line and exit status 2.
func reportingFaceErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FaceError {
        printError(error.message)
        throw ExitCode(2)
    }
}

/// One curve of an evaluation report: the scores behind it (null for a pair that could not
/// be compared) and the calibrated thresholds to mark.
struct ReportSeries: Encodable {
    var label: String
    var genuine: [Float?]
    var impostor: [Float?]
    var thresholds: [String: Float] = [:]

    init(label: String, genuine: [Float], impostor: [Float], thresholds: [String: Float] = [:]) {
        self.label = label
        self.genuine = genuine.map { $0.isFinite ? $0 : nil }
        self.impostor = impostor.map { $0.isFinite ? $0 : nil }
        self.thresholds = thresholds
    }
}

/// `--report DIR`: the figures and scores as DIR/report.json, and the pictures (DET curve,
/// score histograms) drawn by Scripts/plot_report.sh.
struct EvaluationReport<Figures: Encodable>: Encodable {
    var title: String
    var kind = "verification"
    var series: [ReportSeries]
    var figures: Figures

    func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let path = (directory as NSString).appendingPathComponent("report.json")
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(self)) else {
            printError("cannot write \(path)")
            throw ExitCode(2)
        }
        FileHandle.standardError.write(Data("report: \(path)\n".utf8))
        // The plotter lives beside the models: <repo>/Scripts.
        let script = ((try? FaceModels.locateDirectory())?.deletingLastPathComponent().appendingPathComponent("Scripts/plot_report.sh").path)
            ?? "Scripts/plot_report.sh"
        guard FileManager.default.isExecutableFile(atPath: script) else {
            printError("the pictures need Scripts/plot_report.sh, which is not here; run it yourself: plot_report.sh \(directory)")
            throw ExitCode(2)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [directory]
        process.standardOutput = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            printError("drawing the pictures failed (\(script) \(directory) exited \(process.terminationStatus)); report.json is written")
            throw ExitCode(2)
        }
    }
}
