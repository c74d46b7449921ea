import ArgumentParser

@main
struct BiomatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biomatch",
        abstract: "Biometric template matching: face templates, comparison and evaluation.",
        subcommands: [FaceCommand.self, EvalCommand.self, BenchCommand.self])
}
