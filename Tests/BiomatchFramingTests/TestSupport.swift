@testable import BiomatchFraming
import Crypto
import Foundation
import SwiftASN1

/// Keys and objects shared by the framing tests.
enum Fixtures {
    static let macKey = SymmetricKey(size: .bits256)
    static let encryptionKey = SymmetricKey(size: .bits256)
    static let signingKey = P256.Signing.PrivateKey()

    static var receiverKeys: FramingKeys {
        FramingKeys(macKeys: ["terminal-7/mac-2026": macKey], encryptionKeys: ["terminal-7/enc-2026": encryptionKey],
                    verifyingKeys: ["terminal-7/sig-2026": signingKey.publicKey])
    }

    static var privacy: PrivacyProtection {
        get throws { try PrivacyProtection(keyName: "terminal-7/enc-2026", key: encryptionKey) }
    }

    static let mac = IntegrityProtection.mac(keyName: "terminal-7/mac-2026", key: macKey)
    static let signature = IntegrityProtection.signature(keyName: "terminal-7/sig-2026", key: signingKey)

    /// Every protection form, with both integrity kinds where they apply.
    static var protections: [(String, Protection)] {
        get throws {
            [("none", .none), ("integrity-mac", .integrity(mac)), ("integrity-signature", .integrity(signature)),
             ("privacy", .privacy(try privacy)), ("privacy-and-integrity-mac", .privacyAndIntegrity(try privacy, mac)),
             ("privacy-and-integrity-signature", .privacyAndIntegrity(try privacy, signature))]
        }
    }

    static let fullHeader = BiometricHeader(
        recordType: [1, 3, 133, 16, 840, 9, 84, 1],
        dataType: .processed, purpose: .verify, quality: 87,
        validity: BiometricValidity(notBefore: Date(timeIntervalSince1970: 1_780_000_000), notAfter: Date(timeIntervalSince1970: 1_790_000_000)),
        format: .biomatchFaceTemplate,
        transaction: BiometricTransaction(id: Array(0..<16), time: Date(timeIntervalSince1970: 1_785_000_000)),
        presentationAttackScores: [BiometricPADScore(check: "passive-face", score: 0.9312), BiometricPADScore(check: "depth", score: 0.75)],
        paymentDigest: Array(100..<132), partition: "merchant-7")

    /// A face object and a finger object, as a multi-modal probe carries them.
    static let objects: [BiometricObject] = [
        BiometricObject(header: fullHeader, data: Array("face template bytes".utf8)),
        BiometricObject(header: BiometricHeader(dataType: .processed, purpose: .verify, quality: 64, format: .isoFingerMinutiae),
                        data: Array(repeating: 0x46, count: 40)),
    ]
}

import Testing

/// Asserts `body` throws a FramingError with `code`, and returns its message.
@discardableResult
func expectFramingError<T>(_ code: FramingError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: () throws -> T) -> String {
    do {
        _ = try body()
        Issue.record("expected \(code), got a result. \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as FramingError {
        #expect(error.code == code, "\(error) \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected FramingError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}
