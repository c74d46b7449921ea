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
