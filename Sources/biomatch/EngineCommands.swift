import ArgumentParser
import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import Foundation
import NIOPosix

/// What `verify`, `identify` and `enroll` share: the store, the framing keys, the policy.
struct EngineOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @OptionGroup var keys: FramingKeyOptions
    @Flag(help: "Accept probes without a privacy block (integrity is still required).") var allowUnencryptedProbes = false
    @Option(help: "Key file (as `object keygen --kind shared` writes) authenticating the active challenges the engine issues; every node holds the same.") var challengeKey: String?
    @Flag(help: "Accept probes only under per-terminal keys (tk1/…, derived from a --terminal-master).") var requireTerminalKeys = false
    @Option(help: "A terminal whose keys are no longer accepted. Repeatable.") var revokedTerminal: [String] = []

    /// Opens the store and builds the engine (face models when `faces`).
    func engine(faces: Bool) throws -> Engine {
        let store = try self.store.open()
        var configuration = EngineConfiguration.standard
        configuration.probesRequirePrivacy = !allowUnencryptedProbes
        configuration.probesRequireTerminalKeys = requireTerminalKeys
        configuration.revokedTerminals = Set(revokedTerminal)
        var pipeline: FacePipeline?
        var comparator: FaceComparator?
        var assessor: LivenessAssessor?
        if faces {
            let models = try loadModels()
            pipeline = FacePipeline(models: models)
            comparator = try reportingFaceErrors { try FaceComparator(models: models) }
            assessor = try loadLivenessAssessor(pipeline: FacePipeline(models: models))
            if let assessor { configuration.livenessCalibration = assessor.calibration }
        }
        return try reportingEngineErrors {
            try Engine(store: store, keys: try keys.keys(), configuration: configuration, facePipeline: pipeline, faceComparator: comparator,
                       livenessAssessor: assessor, challengeKey: try challengeKey.map(FramingKeyOptions.sharedKey))
        }
    }
}

/// Runs blocking work (opening a store, loading models, a batch) on a thread of its own, so
/// an async command never blocks its task (the CLI's tasks forbid it: ``BlockingWaits``).
func offTask<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}

/// Parses a `--payment` context, or exits 2 with the reason.
func parsePayment(_ text: String) throws -> PaymentContext {
    do {
        return try PaymentContext(parsing: text)
    } catch {
        printError("--payment: \(error.message)")
        throw ExitCode(2)
    }
}

/// Runs `body`, reporting an ``EngineError`` as one line: exit 4 for integrity failures,
/// 5 for refused requests (replay, purpose, expiry, liveness…).
func reportingEngineErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as EngineError {
        throw exit(for: error)
    }
}

/// ``reportingEngineErrors(_:)`` for the engine's async calls.
func reportingEngineErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as EngineError {
        throw exit(for: error)
    }
}

private func exit(for error: EngineError) -> ExitCode {
    printError(error.description)
    return ExitCode(ErrorReport.status(of: error) ?? 5)
}

func printDecision(_ decision: Decision, json: Bool) throws {
    if json {
        try printStoreJSON(decision)
        return
    }
    print("\(decision.operation): \(decision.outcome)" + (decision.subjectID.map { " — subject \($0)" } ?? ""))
    print(String(format: "score %.4f, threshold %.4f at FMR %@ (%@, tier %@)", decision.score, decision.threshold, decision.fmrTarget.key, decision.rule.rawValue, decision.tier))
    for s in decision.modalityScores {
        print(String(format: "  %@%@: score %.4f, evidence %.2f (reference %@%@)", s.modality.rawValue, s.fingerPosition.map { " #\($0)" } ?? "", s.score, s.evidence, s.referenceID,
                     s.comparisons > 1 ? ", best of \(s.comparisons)" : ""))
    }
    if let p = decision.payment { print("payment \(p.displayAmount) to \(p.payee) (terminal \(p.terminal), reference \(p.reference))") }
    if let i = decision.identification {
        print(String(format: "gallery %d references (%d subjects)%@, per-comparison FMR %.1e, expected FPIR %.1e", i.gallerySize, i.gallerySubjects,
                     i.partition.map { " in partition \($0)" } ?? "", i.perComparisonFmr, i.expectedFpir))
    }
    for c in decision.candidates { print(String(format: "  candidate %@: %.4f (reference %@)", c.subjectID, c.score, c.referenceID)) }
    if let l = decision.liveness {
        print(String(format: "liveness: %@, fused %.3f at APCER %g", l.isBonaFide ? "bona fide" : "attack", l.fusedScore, l.targetAPCER))
        for c in l.checks { print(String(format: "  %@: %.4f (threshold %.4f) %@", c.check.rawValue, c.score, c.threshold, c.passed ? "passed" : "failed")) }
    }
    for r in decision.reasons { print("  \(r)") }
    print("protection \(decision.protection)" + (decision.transactionID.map { ", transaction \($0)" } ?? "") + ", audit entry \(decision.auditSequence)")
}

/// `biomatch verify`: 1:1 against a claimed subject.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a framed probe (or a raw face image, locally) against a claimed subject at a risk tier's FMR target.",
        discussion: "Exit status: 0 match, 1 no match, 5 refused (replay, purpose, expiry, liveness, payment mismatch, …), 4 integrity failure, 2 usage or store error. Tiers: low (≤ 100.00, FMR 1e-3), standard (≤ 1,000.00, 1e-4, passive face or fingerprint PAD at APCER 5 %), high (1e-5, passive face PAD and an active challenge, fingerprint PAD, at APCER 1 %). With --payment the probe must be bound to that payment (`object make --payment`) and the tier follows from its amount (--tier may only ask for a stricter one). The engine runs the tier's liveness checks on the capture the probe carries (`object make` frames the images themselves); scores a terminal adds (`object make --liveness`) are advisory. A raw --image is scored by the engine's passive face PAD; --liveness adds advisory scores.")
    @OptionGroup var options: EngineOptions
    @Option(help: "The claimed subject id.") var subject: String
    @Option(help: "A framed probe (DER).") var object: String?
    @Option(help: "A raw face image (trusted local path, no framing).") var image: String?
    @Option(help: "Risk tier name (with --payment: a stricter tier than the amount's).") var tier: String?
    @Option(help: "The payment the probe authorises: \"amount=50000,currency=CNY,payee=M1,terminal=T1,reference=R1\" (amount in minor units).") var payment: String?
    @Option(help: "With --image: a liveness result (JSON from `biomatch liveness --json`), advisory beside the engine's passive PAD.") var liveness: String?

    func run() async throws {
        if liveness != nil && object != nil {
            printError("a framed probe carries its advisory liveness scores in its headers (`biomatch object make --liveness`); --liveness is for --image")
            throw ExitCode(2)
        }
        let paymentContext = try payment.map(parsePayment)
        if paymentContext != nil && image != nil {
            printError("--payment binds a framed probe (--object); a raw --image carries no binding")
            throw ExitCode(2)
        }
        let options = self.options
        let engine = try await offTask { try options.engine(faces: true) }
        let evidence = try liveness.map(readLivenessResult)
        let decision: Decision = try await reportingEngineErrors {
            switch (object, image) {
            case (let path?, nil):
                let bytes = try readBytes(path, "object file")
                if let paymentContext { return try await engine.verify(bytes, claimedSubject: subject, payment: paymentContext, tier: tier) }
                return try await engine.verify(bytes, claimedSubject: subject, tier: tier ?? "low")
            case (nil, let path?):
                return try await engine.verify(faceImage: try readBytes(path, "image"), claimedSubject: subject, tier: tier ?? "low", liveness: evidence)
            default:
                printError("give exactly one of --object and --image")
                throw ExitCode(2)
            }
        }
        try printDecision(decision, json: options.store.json)
        if !decision.isMatch { throw ExitCode(1) }
    }
}

/// `biomatch identify`: open-set 1:N.
struct IdentifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Identify a framed face or finger probe against the active references of its partition, or of the whole store (open-set 1:N).",
        discussion: "The threshold holds the tier's FPIR over the references searched (per-comparison FMR = FPIR / N) and only within the matcher's calibration: a larger search is refused (galleryTooLarge): name a partition in the probe (`object make --partition`). A second subject near the best makes the search ambiguous (refused). Exit status: 0 a match, 1 none, 5 refused, 4 integrity failure, 2 usage or store error.")
    @OptionGroup var options: EngineOptions
    @Option(help: "A framed identify probe (DER).") var object: String
    @Option(help: "Risk tier name (with --payment: a stricter tier than the amount's).") var tier: String?
    @Option(help: "The payment the probe authorises, as for `verify --payment`.") var payment: String?

    func run() async throws {
        let paymentContext = try payment.map(parsePayment)
        let options = self.options
        let engine = try await offTask { try options.engine(faces: true) }
        let bytes = try readBytes(object, "object file")
        let decision = try await reportingEngineErrors {
            if let paymentContext { return try await engine.identify(bytes, payment: paymentContext, tier: tier) }
            return try await engine.identify(bytes, tier: tier ?? "low")
        }
        try printDecision(decision, json: options.store.json)
        if !decision.isMatch { throw ExitCode(1) }
    }
}

/// `biomatch enroll`: one subject from a framed object or raw images, or a whole batch.
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll a subject (a framed enrollment object, or raw face or finger images), or a batch (--manifest or --dir).",
        discussion: """
            Batch mode runs decode → extract → quality gate → duplicate check → seal → store on --jobs cores, shows a \
            progress bar on a terminal (JSON lines on a pipe), stops cleanly on SIGINT after the items in flight, and is \
            resumable: rerun the same command after any interruption and it skips what is stored and finishes the rest. \
            Exit 130 when interrupted.
            """)
    @OptionGroup var options: EngineOptions
    @OptionGroup var batch: BatchEnrollOptions
    @Option(help: "The subject id (single-subject mode).") var subject: String?
    @Option(help: "A framed enroll object (DER).") var object: String?
    @Option(help: "Face image. Repeatable.") var face: [String] = []
    @Option(help: "Fingerprint image. Repeatable.") var finger: [String] = []
    @Option(help: "Finger position code 1–10 for each --finger.") var position: [UInt8] = []
    @Option(help: "Sensor resolution of the finger images.") var dpi = 500
    @Option(help: "The partition (merchant, region, phone-number hint group) identification searches these references in.") var partition: String?

    func run() async throws {
        if batch.isBatch {
            let command = self
            try await offTask { try command.runBatch() }
            return
        }
        guard let subject else {
            printError("give --subject (one subject) or --manifest / --dir (a batch)")
            throw ExitCode(2)
        }
        let options = self.options, faces = object != nil || !face.isEmpty
        let engine = try await offTask { try options.engine(faces: faces) }
        var receipts: [EnrollmentReceipt] = []
        if let object {
            let bytes = try readBytes(object, "object file")
            receipts.append(try await reportingEngineErrors { try await engine.enroll(bytes, subjectID: subject, partition: partition) })
        }
        for path in face {
            let bytes = try readBytes(path, "image")
            receipts.append(try await reportingEngineErrors { try await engine.enroll(faceImage: bytes, subjectID: subject, partition: partition) })
        }
        for (i, path) in finger.enumerated() {
            let bytes = try readBytes(path, "image")
            guard let fingerPosition = FingerPosition(rawValue: i < position.count ? position[i] : 0) else {
                printError("finger position codes are 0–10")
                throw ExitCode(2)
            }
            receipts.append(try await reportingEngineErrors {
                try await engine.enroll(fingerImage: bytes, dpi: dpi, position: fingerPosition, subjectID: subject, partition: partition)
            })
        }
        guard !receipts.isEmpty else {
            printError("give --object, --face or --finger")
            throw ExitCode(2)
        }
        if options.store.json {
            try printStoreJSON(receipts)
        } else {
            for r in receipts {
                for (id, (q, seq)) in zip(r.referenceIDs, zip(r.qualities, r.auditSequences)) {
                    print("enrolled \(r.subjectID) reference \(id) (quality \(q), audit entry \(seq))")
                }
            }
        }
    }
}

/// `biomatch challenge`: the engine issues an active challenge.
struct ChallengeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Issue an active liveness challenge: random prompts, a time limit, and the transaction id the answer must be framed under.",
        discussion: "The terminal records the customer following the prompts and frames the face and the landmark track under that id (`object make --challenge ID --frames …`). Needs --challenge-key.")
    @OptionGroup var options: EngineOptions
    @Option(help: "Number of prompts (1–4).") var count = 3
    @Option(help: "Seconds to do them in (2–60).") var timeLimit = 10

    func run() async throws {
        guard options.challengeKey != nil else {
            printError("give --challenge-key (a shared key file) so the engine can issue and later check the challenge")
            throw ExitCode(2)
        }
        let options = self.options
        let engine = try await offTask { try options.engine(faces: false) }
        let challenge = try reportingEngineErrors { try engine.issueChallenge(count: count, timeLimit: timeLimit) }
        if options.store.json { try printJSON(challenge); return }
        print("challenge \(challenge.transactionIDHex)")
        print("prompts \(challenge.prompts.map(\.rawValue).joined(separator: ",")) within \(challenge.timeLimit) s")
    }
}
