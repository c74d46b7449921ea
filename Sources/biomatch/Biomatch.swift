import ArgumentParser

@main
struct BiomatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biomatch",
        abstract: "Biometric template matching: face and fingerprint templates, comparison and evaluation.",
        subcommands: [EnrollCommand.self, VerifyCommand.self, IdentifyCommand.self, ChallengeCommand.self, ObjectCommand.self, FaceCommand.self, FingerCommand.self,
                      StoreCommand.self, LivenessCommand.self, PadCommand.self, EvalCommand.self, BenchCommand.self])
}
