import ArgumentParser
import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import BiomatchSupport
import Dispatch

@main
struct BiomatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biomatch",
        abstract: "Biometric template matching: face and fingerprint templates, comparison and evaluation.",
        discussion: """
            Exit status: 0 success (a match, bona fide), 1 no match (verify, identify, liveness: attack), 2 bad input or \
            a store, model-use or evaluation error, 3 models missing or tampered, 4 integrity failure (a MAC, signature, \
            record or journal that does not verify), 5 refused by policy (replay, purpose, expiry, liveness, payment, …), \
            64 bad arguments, 70 an unexpected internal error (a bug: please report it), 130 interrupted. Errors are one \
            line on standard error: "biomatch: error: …".
            """,
        subcommands: [EnrollCommand.self, VerifyCommand.self, IdentifyCommand.self, ChallengeCommand.self, ObjectCommand.self, FaceCommand.self, FingerCommand.self,
                      StoreCommand.self, LivenessCommand.self, PadCommand.self, EvalCommand.self, BenchCommand.self])

    /// Runs the command; any error a command did not report itself is reported here, in the
    /// one format and with the documented exit status (never ArgumentParser's 1, which
    /// `verify` uses for "no match").
    ///
    /// Synchronous commands run on the main thread, outside any task, where blocking on a
    /// file or the database is harmless. Asynchronous ones (the engine's) run in a task that
    /// forbids blocking waits (``BlockingWaits``): their blocking work must go to threads of
    /// its own, and a call that would block the task is an error, not a stall.
    static func main() {
        do {
            var command = try parseAsRoot()
            if let asyncCommand = command as? any AsyncParsableCommand {
                try runInTask(asyncCommand)
            } else {
                try command.run()
            }
        } catch {
            exit(withError: ErrorReport.exitError(for: error))
        }
    }

    /// Runs an async command to completion while the main thread (not one of the cooperative
    /// threads) waits for it.
    private static func runInTask(_ command: any AsyncParsableCommand) throws {
        let box = AsyncCommandRun(command)
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await box.run()
            finished.signal()
        }
        finished.wait()
        try box.outcome?.get()
    }
}

/// An async command and its outcome, handed between the main thread and the task that runs it
/// (one writer at a time: the task runs it, then the main thread reads the outcome).
private final class AsyncCommandRun: @unchecked Sendable {
    private var command: any AsyncParsableCommand
    private(set) var outcome: Result<Void, any Error>?

    init(_ command: any AsyncParsableCommand) { self.command = command }

    func run() async {
        do {
            try await BlockingWaits.$areForbidden.withValue(true) { try await command.run() }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
    }
}

/// The one mapping from an error to its line on standard error and its exit status.
enum ErrorReport {
    /// `error` itself when ArgumentParser reports it (exit codes, usage and validation
    /// errors, help); otherwise the error's one line, printed, and its ``ExitCode``.
    static func exitError(for error: any Error) -> any Error {
        guard let status = status(of: error) else { return error }
        printError(message(of: error))
        return ExitCode(status)
    }

    /// The exit status of a library error; nil for ArgumentParser's own. The one mapping:
    /// the per-module `reporting…Errors` helpers take their statuses from it too.
    static func status(of error: any Error) -> Int32? {
        switch error {
        case is ExitCode, is CleanExit, is ValidationError: return nil
        case let e as EngineError: return [.integrityFailure, .decryptionFailure].contains(e.code) ? 4 : 5
        case let e as StoreError: return e.code == .integrity ? 4 : 2
        case let e as FramingError: return e.code == .integrity || e.code == .decryption ? 4 : 2
        case let e as FaceError: return [.modelMissing, .modelIntegrity, .modelLoad].contains(e.code) ? 3 : 2
        case is FingerprintError, is LivenessError, is EvaluationError: return 2
        default:
            // ArgumentParser's parse and help errors are its own internal types: leave every
            // error it gives a status of its own to it; anything it would exit 1 for is a bug.
            return BiomatchCommand.exitCode(for: error) == .failure ? 70 : nil
        }
    }

    static func message(of error: any Error) -> String {
        switch error {
        case let e as EngineError: return e.description
        case let e as StoreError: return e.description
        case let e as FramingError: return e.description
        case let e as FaceError: return e.message
        case let e as FingerprintError: return e.description
        case let e as LivenessError: return e.message
        case let e as EvaluationError: return e.description
        default: return "unexpected internal error (please report it): \(String(describing: error))"
        }
    }
}
