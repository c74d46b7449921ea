import ArgumentParser
import BiomatchEngine
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchSupport
import Crypto
import Foundation

/// `biomatch object …`: make and inspect framed biometric objects (GB/T 27912 / X9.84, DER).
struct ObjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "Make, inspect and key framed biometric objects (GB/T 27912-2011 / ISO 19092-1 / ANSI X9.84, DER).",
        subcommands: [Inspect.self, Make.self, Keygen.self, TerminalKey.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the decoded headers and protection of a framed object.",
            discussion: "Without keys it shows what anyone can read (headers, key names, algorithms). With the keys the object names, it also checks the MAC or signature and decrypts, and shows each object's data format and size.")
        @Argument(help: "The DER file.") var file: String
        @OptionGroup var keys: FramingKeyOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let bytes = try readBytes(file, "object file")
            let message = try reportingFramingErrors { try BiometricMessage(derEncoded: bytes) }
            var report = ObjectReport(bytes: bytes.count, elements: message.elements.map { ElementReport($0) })
            let held = try keys.keys()
            let hasKeys = !held.macKeys.isEmpty || !held.encryptionKeys.isEmpty || !held.verifyingKeys.isEmpty
            if hasKeys || message.elements.allSatisfy({ $0.form == "none" }) {
                for (i, element) in message.elements.enumerated() {
                    let opened = try reportingFramingErrors { try element.open(keys: held) }
                    report.elements[i].verified = opened.protection.hasIntegrity ? "\(opened.protection.integrityAlgorithm ?? "") verified" : nil
                    report.elements[i].objects = opened.objects.map { ObjectSummary(header: HeaderReport($0.header), dataBytes: $0.data.count) }
                }
            }
            if json {
                try printStoreJSON(report)
            } else {
                print("\(file): \(bytes.count) bytes, \(report.elements.count) BiometricSyntax element(s)")
                for (i, e) in report.elements.enumerated() {
                    print("element \(i + 1): \(e.form)")
                    if let a = e.integrityAlgorithm { print("  integrity: \(a) under key \"\(e.integrityKeyName ?? "(unnamed)")\"" + (e.verified.map { " — \($0)" } ?? " — not checked (no key given)")) }
                    if let k = e.encryptionKeyName { print("  privacy: aes-256-gcm under key \"\(k)\"" + (e.objects == nil ? " — not decrypted (no key given)" : " — decrypted")) }
                    for (j, h) in e.readableHeaders.enumerated() { print("  header \(j + 1): \(h.text)") }
                    for (j, o) in (e.objects ?? []).enumerated() { print("  object \(j + 1): \(o.dataBytes) bytes of \(o.header.format ?? "unannounced format")") }
                }
            }
        }
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Frame a face or finger template as a terminal would (extract, frame, protect).",
            discussion: "Probes (verify, identify) carry the captures themselves — each --face as an ISO/IEC 19794-5 face image record, each --finger as an ISO/IEC 19794-4 finger image record — so the engine extracts the templates and runs the liveness checks itself; --templates sends extracted templates instead (enough for tiers without liveness checks). Enrollment objects carry templates. One object per image. Protection: --mac-key or --sign-key for integrity, --enc-key for privacy; both for privacy-and-integrity. Probes get a fresh transaction id and capture time, and --payment binds them to the payment the payer saw.")
        @Option(help: "Face image. Repeatable.") var face: [String] = []
        @Option(help: "Fingerprint image. Repeatable.") var finger: [String] = []
        @Option(help: "Finger position code 1–10 for each --finger (0 unknown).") var position: [UInt8] = []
        @Option(help: "Sensor resolution of the finger images.") var dpi = 500
        @Option(help: "verify, identify, enroll, enroll-verify, enroll-identity.") var purpose: String
        @Option(help: "Object validity from now, in seconds (default: none).") var validFor: Int?
        @Option(name: .customLong("mac-key"), help: "HMAC key NAME=FILE.") var macKey: String?
        @Option(name: .customLong("sign-key"), help: "ECDSA P-256 private key NAME=PEM-FILE.") var signKey: String?
        @Option(name: .customLong("enc-key"), help: "AES-256 key NAME=FILE.") var encKey: String?
        @Option(help: "Write the DER here.") var out: String
        @Option(help: "Answer an engine-issued active challenge: its id (hex, from `biomatch challenge`) becomes the transaction id.") var challenge: String?
        @Option(parsing: .upToNextOption, help: "Frames answering --challenge, in order (their landmarks form the track).") var frames: [String] = []
        @Option(help: "Seconds between --frames.") var interval = 0.4
        @Option(help: "Liveness result of the capture (JSON from `biomatch liveness --json`): its scores go in the headers (advisory to the engine), face checks with the face, fingerprint PAD with the fingers.") var liveness: String?
        @Option(help: "Bind the probe to the payment the payer saw: \"amount=50000,currency=CNY,payee=M1,terminal=T1,reference=R1\" (amount in minor units).") var payment: String?
        @Flag(help: "Probes: frame extracted templates instead of the captures (the engine then cannot run liveness checks).") var templates = false
        @Option(help: "The partition (merchant, region, phone-number hint group) an identify probe is searched in, or an enrollment's references are enrolled into.") var partition: String?

        func run() throws {
            let purposes: [String: BiometricPurpose] = ["verify": .verify, "identify": .identify, "enroll": .enroll,
                                                        "enroll-verify": .enrollVerify, "enroll-identity": .enrollIdentity]
            guard let purpose = purposes[purpose] else {
                printError("--purpose must be one of \(purposes.keys.sorted().joined(separator: ", "))")
                throw ExitCode(2)
            }
            guard !face.isEmpty || !finger.isEmpty else {
                printError("give at least one --face or --finger image")
                throw ExitCode(2)
            }
            let now = Date()
            var transaction: BiometricTransaction? = purpose.isEnrollment ? nil : .fresh(at: now)
            if let challenge {
                guard let id = Hex.decode(challenge), (8...64).contains(id.count), !frames.isEmpty, !purpose.isEnrollment else {
                    printError("--challenge takes the hex id `biomatch challenge` printed, with --frames, for a verify or identify probe")
                    throw ExitCode(2)
                }
                transaction = BiometricTransaction(id: id, time: now)
            }
            let paymentContext = try payment.map(parsePayment)
            if paymentContext != nil && purpose.isEnrollment {
                printError("--payment binds a verify or identify probe, not an enrollment object")
                throw ExitCode(2)
            }
            // Probes carry the captures so the engine can judge liveness itself.
            let captures = !purpose.isEnrollment && !templates
            let validity = validFor.map { BiometricValidity(notBefore: now, notAfter: now.addingTimeInterval(TimeInterval($0))) }
            let scores = try liveness.map(readLivenessResult)?.checks.map { LivenessScore(check: $0.check, score: $0.score) }
            let faceScores = scores?.filter { $0.check.modality == "face" }, fingerScores = scores?.filter { $0.check.modality == "finger" }
            var objects: [BiometricObject] = []
            if !face.isEmpty {
                let pipeline = FacePipeline(models: try loadModels())
                for path in face {
                    let bytes = try readBytes(path, "image")
                    let (template, record) = try reportingFaceErrors { () throws -> (FaceTemplate, FaceImageRecord?) in
                        let image = try DecodedImage(bytes: bytes, name: URL(fileURLWithPath: path).lastPathComponent)
                        // A terminal checks the capture holds a usable face before sending it.
                        let template = try (purpose.isEnrollment ? pipeline.enroll(image) : pipeline.capture(in: image)).template
                        return (template, captures ? try FaceImageRecord(image: image, originalBytes: bytes) : nil)
                    }
                    let advisory = faceScores?.isEmpty == false ? faceScores : nil
                    if let record {
                        objects.append(.faceImage(record, purpose: purpose, quality: template.quality, validity: validity, transaction: transaction,
                                                  liveness: advisory, payment: paymentContext))
                    } else {
                        objects.append(.face(template, purpose: purpose, validity: validity, transaction: transaction,
                                             liveness: advisory, payment: paymentContext))
                    }
                }
            }
            if let transaction, challenge != nil {
                let pipeline = FacePipeline(models: try loadModels())
                let track = try reportingLivenessErrors { () throws -> LandmarkTrack in
                    let points = try frames.enumerated().map { i, path -> LandmarkFrame in
                        guard let face = try pipeline.detect(in: try DecodedImage(contentsOf: URL(fileURLWithPath: path))).max(by: { $0.confidence < $1.confidence }) else {
                            throw LivenessError("no face in the challenge frame \(path)")
                        }
                        return LandmarkFrame(time: Double(i) * interval, points: face.landmarks.map { ImagePoint(x: $0.x, y: $0.y) })
                    }
                    return try LandmarkTrack(frames: points)
                }
                objects.append(.landmarkTrack(track, purpose: purpose, transaction: transaction, payment: paymentContext))
            }
            for (i, path) in finger.enumerated() {
                let code = i < position.count ? position[i] : 0
                guard let fingerPosition = FingerPosition(rawValue: code) else {
                    printError("finger position \(code) is not a valid code (0–10)")
                    throw ExitCode(2)
                }
                let bytes = try readBytes(path, "image")
                let template = try reportingFingerprintErrors {
                    try MinutiaeExtractor().extract(try FingerprintImage(bytes: bytes, dpi: dpi, name: URL(fileURLWithPath: path).lastPathComponent))
                }
                let advisory = fingerScores?.isEmpty == false ? fingerScores : nil
                if captures {
                    let record = try reportingFingerprintErrors { try FingerImageRecord(imageFile: bytes, dpi: dpi, position: fingerPosition) }
                    objects.append(.fingerImage(record, purpose: purpose, validity: validity, transaction: transaction,
                                                liveness: advisory, payment: paymentContext))
                } else {
                    objects.append(try reportingEngineErrors {
                        try .finger(template, position: fingerPosition, purpose: purpose, validity: validity, transaction: transaction,
                                    liveness: advisory, payment: paymentContext)
                    })
                }
            }
            if let partition {
                guard BiometricHeader.isValidPartition(partition) else {
                    printError("--partition must be 1–128 printable characters without spaces")
                    throw ExitCode(2)
                }
                for i in objects.indices { objects[i].header.partition = partition }
            }
            var integrity: IntegrityProtection?
            if let macKey {
                let (name, path) = try FramingKeyOptions.split(macKey, "--mac-key")
                integrity = .mac(keyName: name, key: try FramingKeyOptions.sharedKey(path))
            } else if let signKey {
                let (name, path) = try FramingKeyOptions.split(signKey, "--sign-key")
                integrity = .signature(keyName: name, key: try FramingKeyOptions.privateKey(path))
            }
            var privacy: PrivacyProtection?
            if let encKey {
                let (name, path) = try FramingKeyOptions.split(encKey, "--enc-key")
                privacy = try reportingFramingErrors { try PrivacyProtection(keyName: name, key: try FramingKeyOptions.sharedKey(path)) }
            }
            let protection: Protection
            switch (privacy, integrity) {
            case (nil, nil): protection = .none
            case (nil, let i?): protection = .integrity(i)
            case (let p?, nil): protection = .privacy(p)
            case (let p?, let i?): protection = .privacyAndIntegrity(p, i)
            }
            let bytes = try reportingFramingErrors { try BiometricMessage.seal(objects, protection: protection).derEncoded() }
            guard FileManager.default.createFile(atPath: out, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                printError("cannot write \(out)")
                throw ExitCode(2)
            }
            print("\(out): \(objects.count) object(s), \(bytes.count) bytes, \(BiometricSyntax.formName(protection))" + (transaction.map { ", transaction \($0.idHex)" } ?? ""))
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a fresh framing key: a shared 256-bit key (0600) or an ECDSA P-256 key pair (PEM).")
        @Option(help: "shared or signing.") var kind: String
        @Option(help: "The file to write (refuses to overwrite); for signing, FILE.pub gets the public key.") var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                printError("\(out) exists; refusing to overwrite a key")
                throw ExitCode(2)
            }
            switch kind {
            case "shared":
                let hex = SymmetricKey(size: .bits256).withUnsafeBytes { Hex.encode($0) }
                try write(out, hex + "\n", mode: 0o600)
            case "signing":
                let key = P256.Signing.PrivateKey()
                try write(out, key.pemRepresentation + "\n", mode: 0o600)
                try write(out + ".pub", key.publicKey.pemRepresentation + "\n", mode: 0o644)
            default:
                printError("--kind must be shared or signing")
                throw ExitCode(2)
            }
            print(out)
        }

        private func write(_ path: String, _ text: String, mode: Int) throws {
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
                printError("cannot write \(path)")
                throw ExitCode(2)
            }
        }
    }
}

extension ObjectCommand {
    struct TerminalKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terminal-key",
            abstract: "Derive a terminal's MAC and encryption keys from a master (HKDF-SHA256), for one purpose and validity dates.",
            discussion: """
                Prints the key name the terminal frames under (tk1/MASTER/TERMINAL/PURPOSE/YYYYMMDD-YYYYMMDD) and writes \
                the two keys (mode 0600). The terminal holds only these; the engine, holding the master \
                (--terminal-master ID=FILE), derives them again, and refuses them outside their dates, for \
                the other purpose, for a payment at another terminal, or once the terminal is revoked \
                (--revoked-terminal).
                """)
        @Option(help: "The master's id, as key names carry it.") var masterId: String
        @Option(help: "The master key file (mode 0600).") var masterKeyFile: String
        @Option(help: "The terminal's id.") var terminal: String
        @Option(help: "probe or enrollment.") var purpose: String
        @Option(help: "First valid day, YYYY-MM-DD (UTC); default today.") var firstDay: String?
        @Option(help: "Last valid day, YYYY-MM-DD (UTC); default 90 days on.") var lastDay: String?
        @Option(help: "Where to write the HMAC key (refuses to overwrite).") var macOut: String
        @Option(help: "Where to write the AES-256-GCM key (refuses to overwrite).") var encOut: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let purpose = FramingKeyPurpose(rawValue: purpose) else {
                printError("--purpose must be probe or enrollment")
                throw ExitCode(2)
            }
            let first = try firstDay.map { try Self.day($0, "--first-day") } ?? Date()
            let last = try lastDay.map { try Self.day($0, "--last-day") } ?? first.addingTimeInterval(90 * 86_400)
            let master = try FramingKeyOptions.master(id: masterId, masterKeyFile)
            let name = try reportingFramingErrors { () throws(FramingError) in
                try TerminalKeyName(masterID: masterId, terminalID: terminal, purpose: purpose, firstDay: first, lastDay: last)
            }
            guard name.validUntil.timeIntervalSince(name.validFrom) <= master.maximumValidity else {
                printError("a terminal key may be valid for at most \(Int(master.maximumValidity / 86_400)) days")
                throw ExitCode(2)
            }
            for path in [macOut] + (encOut.map { [$0] } ?? []) where FileManager.default.fileExists(atPath: path) {
                printError("\(path) exists; refusing to overwrite a key")
                throw ExitCode(2)
            }
            let mac = try reportingFramingErrors { () throws(FramingError) in try master.macKey(for: name) }
            try Self.write(mac, to: macOut)
            if let encOut {
                try Self.write(try reportingFramingErrors { () throws(FramingError) in try master.encryptionKey(for: name) }, to: encOut)
            }
            if json {
                struct Out: Encodable { let keyName: String; let terminal: String; let purpose: String; let validFrom: Date; let validUntil: Date }
                let encoder = snakeCaseEncoder(pretty: false)
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(Out(keyName: name.description, terminal: terminal, purpose: purpose.rawValue,
                                                               validFrom: name.validFrom, validUntil: name.validUntil)), as: UTF8.self))
            } else {
                print(name.description)
            }
        }

        static func day(_ text: String, _ option: String) throws -> Date {
            let digits = text.replacingOccurrences(of: "-", with: "")
            guard let name = try? TerminalKeyName(parsing: "tk1/m/t/probe/\(digits)-\(digits)") else {
                printError("\(option) takes a date YYYY-MM-DD, not \(text)")
                throw ExitCode(2)
            }
            return name.validFrom
        }

        static func write(_ key: SymmetricKey, to path: String) throws {
            let hex = key.withUnsafeBytes { Hex.encode($0) }
            guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                printError("cannot write \(path)")
                throw ExitCode(2)
            }
        }
    }
}

extension BiometricSyntax {
    static func formName(_ protection: Protection) -> String {
        switch protection {
        case .none: return "unprotected"
        case .integrity: return "integrity"
        case .privacy: return "privacy"
        case .privacyAndIntegrity: return "privacy-and-integrity"
        }
    }
}

struct ObjectReport: Encodable {
    var bytes: Int
    var elements: [ElementReport]
}

struct ElementReport: Encodable {
    var form: String
    var integrityAlgorithm: String?
    var integrityKeyName: String?
    var encryptionKeyName: String?
    var readableHeaders: [HeaderReport]
    var verified: String?
    var objects: [ObjectSummary]?

    init(_ element: BiometricSyntax) {
        form = element.form
        switch element.integrityBlock {
        case .mac(let name, _)?: integrityAlgorithm = "hmac-sha256"; integrityKeyName = name
        case .signature(let name, _)?: integrityAlgorithm = "ecdsa-p256-sha256"; integrityKeyName = name
        case nil: break
        }
        encryptionKeyName = element.encryptionKeyName
        readableHeaders = element.readableHeaders.map(HeaderReport.init)
    }
}

struct ObjectSummary: Encodable {
    var header: HeaderReport
    var dataBytes: Int
}

struct HeaderReport: Encodable {
    var version: Int
    var recordType: String?
    var dataType: String?
    var purpose: String?
    var quality: Int?
    var notBefore: String?
    var notAfter: String?
    var format: String?
    var transactionID: String?
    var transactionTime: String?
    var presentationAttackScores: [String: Double]?
    var paymentDigest: String?
    var partition: String?

    init(_ h: BiometricHeader) {
        let iso = ISO8601DateFormatter()
        version = h.version
        recordType = h.recordType.map { "\($0)" }
        dataType = h.dataType.map { "\($0)" }
        purpose = h.purpose.map { "\($0)" }
        quality = h.quality
        notBefore = h.validity?.notBefore.map(iso.string)
        notAfter = h.validity?.notAfter.map(iso.string)
        if let f = h.format {
            let owner: String
            switch f.owner {
            case .cbeff(let code): owner = String(format: "CBEFF owner 0x%04X", code)
            case .oid(let oid): owner = "owner \(oid)"
            }
            let name: String
            switch f {
            case .biomatchFaceTemplate: name = " (Biomatch face template v1)"
            case .isoFingerMinutiae: name = " (ISO/IEC 19794-2 finger minutiae)"
            case .biomatchLandmarkTrack: name = " (Biomatch landmark track)"
            case .isoFaceImage: name = " (ISO/IEC 19794-5 face image)"
            case .isoFingerImage: name = " (ISO/IEC 19794-4 finger image)"
            default: name = ""
            }
            format = owner + (f.type.map { String(format: " type 0x%04X", $0) } ?? "") + name
        }
        transactionID = h.transaction?.idHex
        transactionTime = h.transaction.map { iso.string(from: $0.time) }
        presentationAttackScores = h.presentationAttackScores.map { $0.reduce(into: [:]) { $0[$1.check] = $1.score } }
        paymentDigest = h.paymentDigest.map { Hex.encode($0) }
        partition = h.partition
    }

    var text: String {
        [purpose.map { "purpose \($0)" }, dataType.map { "data \($0)" }, quality.map { "quality \($0)" },
         notBefore.map { "valid from \($0)" }, notAfter.map { "until \($0)" }, format,
         transactionID.map { "transaction \($0)" }, transactionTime.map { "captured \($0)" },
         presentationAttackScores.map { "PAD " + $0.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") },
         paymentDigest.map { "bound to payment \($0.prefix(16))…" }, partition.map { "partition \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
