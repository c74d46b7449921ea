@testable import BiomatchFraming
import Foundation
import Testing

/// An independent decoder: `openssl asn1parse` must parse every object kind we emit, and
/// see the structure we intend (tags, OIDs).
@Suite struct OpenSSLCrossCheckTests {
    static let openssl: URL? = ["/usr/bin/openssl", "/usr/local/bin/openssl"].map(URL.init(fileURLWithPath:))
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static func asn1parse(_ bytes: [UInt8]) throws -> (status: Int32, output: String) {
        guard let openssl else { return (-1, "") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bm-der-\(UUID().uuidString).der")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = openssl
        process.arguments = ["asn1parse", "-inform", "DER", "-in", file.path, "-i"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: openssl != nil, "openssl is not installed (Scripts/bootstrap.sh installs it)"))
    func opensslParsesEveryFormWeEmit() throws {
        let expectations: [String: [String]] = [
            "none": ["cont [ 0 ]", "INTEGER           :FFFE", "INTEGER           :0101"],
            "integrity-mac": ["cont [ 1 ]", "hmacWithSHA256"],
            "integrity-signature": ["cont [ 1 ]", "ecdsa-with-SHA256"],
            "privacy": ["cont [ 2 ]", "aes-256-gcm", "pkcs7-data"],
            "privacy-and-integrity-mac": ["cont [ 3 ]", "aes-256-gcm", "hmacWithSHA256"],
            "privacy-and-integrity-signature": ["cont [ 3 ]", "aes-256-gcm", "ecdsa-with-SHA256"],
        ]
        for (name, protection) in try Fixtures.protections {
            let bytes = try BiometricMessage.seal(Fixtures.objects, protection: protection).derEncoded()
            let (status, output) = try Self.asn1parse(bytes)
            #expect(status == 0, "\(name): openssl asn1parse failed:\n\(output)")
            #expect(!output.lowercased().contains("error"), "\(name):\n\(output)")
            for needle in expectations[name] ?? [] {
                #expect(output.contains(needle), "\(name): openssl output lacks \(needle):\n\(output)")
            }
            // The GeneralizedTime of the header, as openssl reads it.
            #expect(output.contains("GENERALIZEDTIME") || output.contains("cont [ 0 ]"), "\(name)")
        }
    }
}
