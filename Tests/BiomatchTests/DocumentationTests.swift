import Foundation
import Testing

/// Every throwing public function and initializer says what it throws (`- Throws:` in its
/// doc comment), so an integrator can handle each error without reading the source.
@Suite struct DocumentationTests {
    static let sources = ReadmeExampleTests.root.appendingPathComponent("Sources")

    /// `file:line signature` of each public throwing declaration without `- Throws:`.
    static func undocumentedThrows() throws -> [String] {
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        for file in files.sorted() where file.hasPrefix("Biomatch") {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
            for (i, line) in lines.enumerated() {
                let text = line.trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("public ") || text.hasPrefix("open ") else { continue }
                let words = text.split(separator: " ").prefix(while: { ["public", "open", "static", "mutating", "convenience", "nonisolated"].contains($0) || $0.hasPrefix("func") || $0.hasPrefix("init") })
                guard words.contains(where: { $0.hasPrefix("func") || $0.hasPrefix("init") }) else { continue }
                // The signature up to its body (at most five lines).
                var signature = text
                var k = i
                while !signature.contains("{"), k + 1 < lines.count, k < i + 5 { k += 1; signature += " " + lines[k].trimmingCharacters(in: .whitespaces) }
                let head = signature.split(separator: "{", maxSplits: 1).first.map(String.init) ?? signature
                guard head.contains(" throws") || head.contains(")throws") else { continue }
                // Codable's requirements are documented by the protocol.
                if head.contains("init(from decoder") || head.contains("func encode(to encoder") { continue }
                var j = i - 1, documented = false
                while j >= 0 {
                    let above = lines[j].trimmingCharacters(in: .whitespaces)
                    guard above.hasPrefix("///") || above.hasPrefix("@") else { break }
                    if above.contains("- Throws") { documented = true }
                    j -= 1
                }
                if !documented { found.append("\(file):\(i + 1) \(text.prefix(90))") }
            }
        }
        return found
    }

    @Test func everyThrowingPublicDeclarationSaysWhatItThrows() throws {
        let missing = try Self.undocumentedThrows()
        #expect(missing.isEmpty, "no `- Throws:` in the doc comment of:\n\(missing.joined(separator: "\n"))")
    }
}
