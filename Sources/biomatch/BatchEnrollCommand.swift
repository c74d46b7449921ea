import ArgumentParser
import BiomatchEngine
import BiomatchFace
import BiomatchStore
import Dispatch
import Foundation
import Synchronization

/// `biomatch enroll --manifest|--dir`: the batch enrollment tool.
struct BatchEnrollOptions: ParsableArguments {
    @Option(help: "CSV manifest: subject_id, modality, finger_position, image_path (header row).") var manifest: String?
    @Option(help: "A folder with one sub-folder per subject.") var dir: String?
    @Option(help: "Modality of --dir items: face or finger.") var modality: String = "face"
    @Option(help: "Worker threads, one core each.") var jobs = 2
    @Option(help: "Output prefix: PREFIX.log.jsonl (kept for resuming), PREFIX.outcomes.csv/.jsonl, PREFIX.summary.json.") var out: String?
    @Flag(help: "Hold duplicate suspects (not enrolled) instead of enrolling them with a flag.") var holdDuplicates = false
    @Option(help: "Least finger quality to enroll (0–100).") var fingerQualityFloor = 20
    @Option(help: "Resolution of finger images.") var fingerDPI = 500
    @Flag(help: "No progress output.") var quiet = false
    @Option(help: ArgumentHelp("Items per transaction (default 16 per job).", visibility: .hidden)) var chunkSize: Int?

    var isBatch: Bool { manifest != nil || dir != nil }
}

/// Set by SIGINT: the chunk in flight finishes, then the outputs are written.
private let interruptRequested = Atomic<Bool>(false)

/// Routes SIGINT to ``interruptRequested``; keep the returned source alive while it matters.
func installInterruptHandler() -> any DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler {
        interruptRequested.store(true, ordering: .releasing)
        FileHandle.standardError.write(Data("\nbiomatch: interrupted: finishing the items in flight, then writing the outputs\n".utf8))
    }
    source.resume()
    return source
}

/// Draws progress: a bar on a terminal, JSON lines on a pipe.
struct ProgressPrinter {
    let quiet: Bool
    let isTerminal = isatty(STDERR_FILENO) == 1

    func show(_ p: BatchEnrollment.Progress) {
        guard !quiet else { return }
        if isTerminal {
            let width = 30
            let fraction = p.total == 0 ? 1 : Double(p.done) / Double(p.total)
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let eta = p.eta.map { String(format: "%d:%02d", Int($0) / 60, Int($0) % 60) } ?? "--:--"
            let line = String(format: "\r%@ %d/%d %3.0f%%  %.1f items/s  ETA %@  enrolled %d  failed %d ", bar, p.done, p.total,
                              fraction * 100, p.rate, eta, p.enrolled, p.failed)
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            if let data = try? snakeCaseEncoder(pretty: false).encode(p) { FileHandle.standardError.write(data + Data([0x0A])) }
        }
    }

    func finish() {
        if !quiet && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

extension EnrollCommand {
    /// Runs the batch mode.
    func runBatch() throws {
        let items: [EnrollmentItem]
        let defaultPrefix: String
        if let manifest = batch.manifest {
            items = try reportingEngineErrors { try EnrollmentManifest.read(csv: URL(fileURLWithPath: manifest)) }
            defaultPrefix = URL(fileURLWithPath: manifest).deletingPathExtension().lastPathComponent + ".enroll"
        } else if let dir = batch.dir {
            guard let kind = Modality(rawValue: batch.modality) else {
                printError("--modality must be face or finger")
                throw ExitCode(2)
            }
            items = try reportingEngineErrors { try EnrollmentManifest.scan(directory: URL(fileURLWithPath: dir), modality: kind) }
            defaultPrefix = URL(fileURLWithPath: dir).lastPathComponent + ".enroll"
        } else {
            printError("give --manifest or --dir")
            throw ExitCode(2)
        }
        let prefix = batch.out ?? defaultPrefix
        let store = try options.store.open()
        var pipeline: FacePipeline?
        var comparator: FaceComparator?
        if items.contains(where: { $0.modality == .face }) {
            let models = try loadModels(instances: max(1, batch.jobs))
            pipeline = FacePipeline(models: models)
            comparator = try reportingFaceErrors { try FaceComparator(models: models) }
        }
        // Each worker takes one core; OpenCV must not spread one call over all of them.
        ComputeThreads.setOpenCVThreads(1)
        var settings = BatchEnrollment.Options()
        settings.jobs = max(1, batch.jobs)
        settings.holdDuplicates = batch.holdDuplicates
        settings.fingerQualityFloor = batch.fingerQualityFloor
        settings.fingerDPI = batch.fingerDPI
        settings.chunkSize = batch.chunkSize
        let interruptSource = installInterruptHandler()
        defer { interruptSource.cancel() }
        let printer = ProgressPrinter(quiet: batch.quiet)
        let (records, summary) = try reportingEngineErrors {
            try BatchEnrollment(store: store, facePipeline: pipeline, faceComparator: comparator, options: settings)
                .run(items, log: URL(fileURLWithPath: prefix + ".log.jsonl"), stop: { interruptRequested.load(ordering: .acquiring) }, progress: printer.show)
        }
        printer.finish()
        try writeOutputs(records, summary, prefix: prefix)
        if options.store.json {
            try printStoreJSON(summary)
        } else {
            print("\(summary.items) items: " + summary.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print(String(format: "FTE %.4f; this run: %d items in %.1f s (%.1f items/s, %d jobs); %d already enrolled before", summary.fte,
                         summary.processedThisRun, summary.seconds, summary.itemsPerSecond, summary.jobs, summary.alreadyEnrolled))
            print("outputs: \(prefix).outcomes.csv, \(prefix).outcomes.jsonl, \(prefix).summary.json")
        }
        if summary.interrupted {
            printError("interrupted with \(summary.remaining) items left; rerun the same command to finish")
            throw ExitCode(130)
        }
    }

    private func writeOutputs(_ records: [EnrollmentRecord], _ summary: EnrollmentSummary, prefix: String) throws {
        let encoder = snakeCaseEncoder(pretty: false)
        var jsonl = Data()
        var csv = "index,subject_id,modality,finger_position,item,outcome,quality,reasons,duplicate_candidates,reference_id\n"
        func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        for r in records {
            jsonl += try encoder.encode(r) + Data([0x0A])
            let candidates = r.duplicateCandidates.map { String(format: "%@:%.4f", $0.subjectID, $0.score) }.joined(separator: ";")
            csv += [String(r.index), quote(r.subjectID), r.modality, String(r.fingerPosition), quote(r.item), r.outcome.rawValue,
                    r.quality.map(String.init) ?? "", quote(r.reasons.joined(separator: "; ")), quote(candidates), r.referenceID ?? ""]
                .joined(separator: ",") + "\n"
        }
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let summaryData = try encoder.encode(summary)
        // Written to a temporary name and renamed, so a reader never sees half a file.
        for (suffix, data) in [(".outcomes.jsonl", jsonl), (".outcomes.csv", Data(csv.utf8)), (".summary.json", summaryData)] {
            let path = prefix + suffix, temp = path + ".tmp"
            guard FileManager.default.createFile(atPath: temp, contents: data, attributes: [.posixPermissions: 0o600]),
                  rename(temp, path) == 0 else {
                printError("cannot write \(path)")
                throw ExitCode(2)
            }
        }
    }
}
