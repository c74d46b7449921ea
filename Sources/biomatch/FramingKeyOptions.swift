import ArgumentParser
import BiomatchFraming
import BiomatchStore
import BiomatchSupport
import Crypto
import Foundation

/// The framing keys a command holds, each as NAME=FILE: shared 256-bit keys in files of
/// mode 0600 (32 raw bytes, 64 hex digits or base64, as store keys), ECDSA P-256 keys in PEM.
struct FramingKeyOptions: ParsableArguments {
    @Option(name: .customLong("mac-key"), help: "HMAC-SHA256 key NAME=FILE. Repeatable.") var macKeys: [String] = []
    @Option(name: .customLong("enc-key"), help: "AES-256-GCM key NAME=FILE. Repeatable.") var encryptionKeys: [String] = []
    @Option(name: .customLong("verify-key"), help: "A signer's ECDSA P-256 public key NAME=PEM-FILE. Repeatable.") var verifyingKeys: [String] = []
    @Option(name: .customLong("terminal-master"), help: "A master of per-terminal keys ID=FILE (`object terminal-key` derives a terminal's keys from it). Repeatable.") var terminalMasters: [String] = []
    @Option(name: .customLong("key-purpose"), help: "Restrict a named key: NAME=probe or NAME=enrollment. Repeatable.") var keyPurposes: [String] = []

    /// The receiver's key set.
    func keys() throws -> FramingKeys {
        var keys = FramingKeys()
        for entry in macKeys {
            let (name, path) = try Self.split(entry, "--mac-key")
            keys.macKeys[name] = try Self.sharedKey(path)
        }
        for entry in encryptionKeys {
            let (name, path) = try Self.split(entry, "--enc-key")
            keys.encryptionKeys[name] = try Self.sharedKey(path)
        }
        for entry in verifyingKeys {
            let (name, path) = try Self.split(entry, "--verify-key")
            keys.verifyingKeys[name] = try Self.publicKey(path)
        }
        for entry in terminalMasters {
            let (id, path) = try Self.split(entry, "--terminal-master")
            let master = try Self.master(id: id, path)
            keys.terminalMasters[master.id] = master
        }
        for entry in keyPurposes {
            let (name, value) = try Self.split(entry, "--key-purpose")
            guard let purpose = FramingKeyPurpose(rawValue: value) else {
                printError("--key-purpose takes NAME=probe or NAME=enrollment, not \(entry)")
                throw ExitCode(2)
            }
            keys.purposes[name] = purpose
        }
        return keys
    }

    static func split(_ entry: String, _ option: String) throws -> (String, String) {
        guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex, entry.index(after: eq) != entry.endIndex else {
            printError("\(option) takes NAME=FILE, not \(entry)")
            throw ExitCode(2)
        }
        return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
    }

    /// A shared key file, checked like a store key file (mode, length).
    static func sharedKey(_ path: String) throws -> SymmetricKey {
        let key = try reportingStoreErrors { try KeyEncryptionKey.fromFile(path) }
        return SymmetricKey(data: Hex.decode(key.hexEncoded) ?? [])
    }

    /// A master of terminal keys from a key file.
    static func master(id: String, _ path: String) throws -> TerminalKeyMaster {
        let key = try sharedKey(path)
        return try reportingFramingErrors { () throws(FramingError) in try TerminalKeyMaster(id: id, key: key) }
    }

    static func publicKey(_ path: String) throws -> P256.Signing.PublicKey {
        let pem = try readText(path, "public key")
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return key }
        // A private key file also names its public key.
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { return key.publicKey }
        printError("\(path) holds no ECDSA P-256 key in PEM")
        throw ExitCode(2)
    }

    /// An ECDSA private key file, read and checked as any key file (``SecretFile``).
    static func privateKey(_ path: String) throws -> P256.Signing.PrivateKey {
        let bytes = try reportingStoreErrors { try SecretFile.read(path, what: "signing key file") }
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: String(decoding: bytes, as: UTF8.self)) else {
            printError("\(path) holds no ECDSA P-256 private key in PEM")
            throw ExitCode(2)
        }
        return key
    }

    static func readText(_ path: String, _ what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("\(what) file \(path) does not exist or cannot be read")
            throw ExitCode(2)
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reads a whole file as bytes, or exits with a clear message.
func readBytes(_ path: String, _ what: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("\(what) \(path) does not exist or cannot be read")
        throw ExitCode(2)
    }
    return [UInt8](data)
}

/// Runs `body`, reporting a ``FramingError`` as one line and exit status 2.
func reportingFramingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FramingError {
        printError("\(error.code): \(error.message)")
        throw ExitCode(ErrorReport.status(of: error) ?? 2)
    }
}
