import ArgumentParser
import BiomatchEvaluation
import BiomatchFingerprint
import Foundation

extension EvalCommand {
    /// `biomatch eval finger-tail`: the fingerprint matcher's impostor tail model.
    struct FingerTail: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "finger-tail",
            abstract: "Fit a generalised Pareto model to the far tail of the fingerprint matcher's impostor scores and check it on impostor scores it was not fitted on.",
            discussion: "Each set is DIR or DIR:DPI. A folder of FVC-named prints (NNN_k) gives every pair of different fingers; any other folder is taken as one print per finger (SOCOFing Real) and gives every pair. Without :DPI an FVC set takes eval finger's default and another folder the median ridge-period estimate. The model is fitted on the --fit sets' impostor scores above their 99th percentile and validated on the --validate sets' at rates from 1e-2 down to what they resolve (three expected exceedances): the model holds where the held-out scores do not significantly exceed its rate. It may give thresholds two decades below the smallest rate it held at. The engine does not use a model that does not hold. Scripts/calibrate_finger_tail.sh runs it and prints the model for FingerprintCalibration.swift.")
        @Option(parsing: .upToNextOption, help: "Sets the model is fitted on.") var fit: [String]
        @Option(parsing: .upToNextOption, help: "Sets it is validated on (never the fitted ones).") var validate: [String]
        @Option(help: "Fraction of the fitted scores in the tail.") var tailFraction = 0.01
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard Set(fit).isDisjoint(with: validate) else {
                printError("a set cannot be both fitted and validated on")
                throw ExitCode(2)
            }
            let (fitScores, fitDescription) = try Self.scores(fit)
            let (validationScores, validationDescription) = try Self.scores(validate)
            var model: ImpostorTailModel
            do {
                model = try ImpostorTailModel(fitting: fitScores, tailFraction: tailFraction, fittedOn: fitDescription)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            model.validate(on: validationScores, description: validationDescription)
            if json { try printJSON(model); return }
            print(String(format: "fitted on %d impostor scores (%@): u %.6f (exceeded by %.3g), shape %.4f, scale %.6f",
                         model.fittedPairs, model.fittedOn, model.threshold, model.exceedanceRate, model.shape, model.scale))
            print("validated on \(validationScores.count) impostor scores (\(validationDescription)):")
            for p in model.validation {
                print(String(format: "  FMR %.0e: threshold %.6f, observed %d of %d (%.2e) %@", p.rate, p.threshold, p.observed, p.pairs,
                             Double(p.observed) / Double(max(1, p.pairs)), p.holds ? "holds" : "EXCEEDED"))
            }
            if let range = model.usableRange {
                print(String(format: "usable from %.0e down to %.0e", range.upperBound, range.lowerBound))
            } else {
                print("not validated: the engine will not use it")
            }
        }

        /// The impostor scores of `specs`, and a description of them.
        static func scores(_ specs: [String]) throws -> ([Double], String) {
            var all: [Double] = []
            var parts: [String] = []
            let extractor = MinutiaeExtractor()
            for spec in specs {
                var path = spec, dpi: Int?
                if let colon = spec.lastIndex(of: ":"), let value = Int(spec[spec.index(after: colon)...]) {
                    path = String(spec[..<colon])
                    dpi = value
                }
                let url = URL(fileURLWithPath: path)
                if let set = try? FVCDataset(directory: url, dpi: dpi) {
                    let templates = FingerprintEvaluation.extract(set, extractor: extractor).map(\.template)
                    let scores = ImpostorScores.all(templates, finger: set.items.map(\.finger))
                    all += scores
                    parts.append("\(url.lastPathComponent) (\(set.dpi) dpi): \(scores.count)")
                } else {
                    let files = try FileManager.default.contentsOfDirectory(atPath: path)
                        .filter { ["png", "bmp", "tif", "tiff", "pgm", "jpg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                    let urls = files.map { url.appendingPathComponent($0) }
                    let resolution: Int
                    if let dpi { resolution = dpi } else {
                        let estimates = urls.prefix(200).compactMap { u -> Double? in
                            guard let image = try? FingerprintImage(contentsOf: u, dpi: 500) else { return nil }
                            return try? extractor.estimatedResolution(of: image)
                        }.sorted()
                        guard !estimates.isEmpty else {
                            printError("\(path): no print has a measurable ridge period; give DIR:DPI")
                            throw ExitCode(2)
                        }
                        let range = FingerprintImage.dpiRange
                        resolution = min(range.upperBound, max(range.lowerBound, Int(estimates[estimates.count / 2].rounded())))
                    }
                    let templates = LockedTemplates(count: urls.count)
                    DispatchQueue.concurrentPerform(iterations: 2) { part in
                        var i = part
                        while i < urls.count {
                            templates[i] = try? extractor.extract(try FingerprintImage(contentsOf: urls[i], dpi: resolution))
                            i += 2
                        }
                    }
                    let scores = ImpostorScores.all(templates.values, finger: Array(urls.indices))
                    all += scores
                    parts.append("\(url.lastPathComponent) (\(resolution) dpi, one print per finger): \(scores.count)")
                }
            }
            return (all, parts.joined(separator: "; "))
        }
    }
}

/// Templates written from two threads, one index each.
private final class LockedTemplates: @unchecked Sendable {
    private var storage: [FingerprintTemplate?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    subscript(i: Int) -> FingerprintTemplate? {
        get { lock.withLock { storage[i] } }
        set { lock.withLock { storage[i] = newValue } }
    }
    var values: [FingerprintTemplate?] { lock.withLock { storage } }
}
