import ArgumentParser
import BiomatchEngine
import BiomatchFace
import BiomatchLiveness
import Foundation

/// The liveness assessor over the models in the models directory; nil (with a note on
/// standard error) when the directory is not there, so verification still runs without PAD.
func loadLivenessAssessor(pipeline: FacePipeline) throws -> LivenessAssessor? {
    guard let directory = try? FaceModels.locateDirectory() else { return nil }
    do {
        return try LivenessAssessor(pipeline: pipeline, modelsDirectory: directory)
    } catch let error as LivenessError {
        printError(error.message)
        throw ExitCode(3)
    }
}

/// Reads a liveness result written by `biomatch liveness --json`.
func readLivenessResult(_ path: String) throws -> LivenessResult {
    let bytes = try readBytes(path, "liveness result")
    do {
        return try snakeCaseDecoder(acronyms: ["APCER"]).decode(LivenessResult.self, from: Data(bytes))
    } catch {
        printError("\(path) is not a liveness result (the JSON `biomatch liveness --json` prints): \(error)")
        throw ExitCode(2)
    }
}

/// Runs `body`, reporting a ``LivenessError`` or ``FaceError`` as one line and exit status 2.
func reportingLivenessErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LivenessError {
        printError(error.message)
        throw ExitCode(2)
    } catch let error as FaceError {
        printError(error.message)
        throw ExitCode(2)
    }
}

/// `biomatch liveness`: presentation-attack detection on one presentation.
struct LivenessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liveness",
        abstract: "Score one presentation for presentation attacks: passive face PAD, depth, infrared, an active challenge, or fingerprint PAD.",
        discussion: """
            Face (default): every IMAGE is a frame of one presentation; passive PAD scores each (the weakest counts), \
            --depth and --ir are registered to the first frame. With --challenge the frames answer those prompts, \
            --interval seconds apart. With --finger every IMAGE is a fingerprint of the presentation. \
            The checks are fused (every check must pass) at --apcer. Exit status: 0 bona fide, 1 attack, 2 bad input, \
            3 models missing. The --json output is what `biomatch verify --liveness` takes.
            """)
    @Argument(help: "Face frames, or fingerprint images with --finger.") var images: [String]
    @Option(help: "Depth map registered to the first frame: binary PGM (P5), 16-bit millimetres.") var depth: String?
    @Option(help: "Near-infrared image registered to the first frame (any image format; read as grey).") var ir: String?
    @Option(help: "Active challenge prompts the frames answer, in order (turn-left, turn-right, nod, move-closer), comma-separated.") var challenge: String?
    @Option(help: "Seconds between frames for --challenge.") var interval = 0.4
    @Option(help: "Time limit of the challenge, seconds.") var timeLimit = 10.0
    @Flag(help: "The images are fingerprints.") var finger = false
    @Option(help: "APCER target the thresholds are taken at.") var apcer = 0.05
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        guard !images.isEmpty else { printError("give at least one image"); throw ExitCode(2) }
        let models = try loadModels()
        guard let assessor = try loadLivenessAssessor(pipeline: FacePipeline(models: models)) else {
            printError("no models directory; run Scripts/fetch_models.sh")
            throw ExitCode(3)
        }
        let result = try reportingLivenessErrors { () throws -> LivenessResult in
            var scores: [LivenessScore] = []
            let decoded = try images.map { try DecodedImage(contentsOf: URL(fileURLWithPath: $0)) }
            if finger {
                scores = try decoded.map { try assessor.fingerprintScore($0) }
            } else {
                guard assessor.passiveFace != nil else { throw LivenessError("no passive face PAD model (\(LivenessAssessor.passiveFaceModelFile)) in the models directory") }
                let depthMap = try depth.map { try DepthMap(pgm: try readBytes($0, "depth map")) }
                let infrared = try ir.map { path -> GreyImage in
                    let image = try DecodedImage(contentsOf: URL(fileURLWithPath: path))
                    return try GreyImage(bgr: image.bgrPixels(), width: image.width, height: image.height)
                }
                for (i, frame) in decoded.enumerated() {
                    scores += try assessor.faceScores(frame, depth: i == 0 ? depthMap : nil, infrared: i == 0 ? infrared : nil)
                }
                if let challenge {
                    let prompts = try challenge.split(separator: ",").map { name in
                        guard let p = ChallengePrompt(rawValue: String(name)) else {
                            throw LivenessError("unknown prompt \(name); prompts: " + ChallengePrompt.allCases.map(\.rawValue).joined(separator: ", "))
                        }
                        return p
                    }
                    let frames = decoded.enumerated().map { (time: Double($0.offset) * interval, image: $0.element) }
                    scores.append(try assessor.challengeScore(ActiveChallenge(prompts: prompts, timeLimit: timeLimit), frames: frames).0)
                }
            }
            return assessor.decide(scores, targetAPCER: apcer)
        }
        if json {
            try printJSON(result)
        } else {
            print("\(result.isBonaFide ? "bona fide" : "attack suspected"): fused score \(String(format: "%.4f", result.fusedScore)) at APCER \(result.targetAPCER)")
            for r in result.reasons { print("  \(r)") }
        }
        if !result.isBonaFide { throw ExitCode(1) }
    }
}
