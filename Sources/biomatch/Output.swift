import ArgumentParser
import BiomatchFace
import Foundation

/// Writes `value` as pretty, key-sorted JSON on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
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
