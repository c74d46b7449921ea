@testable import BiomatchFraming
import Crypto
import Foundation
import SwiftASN1
import Testing

@Suite struct BiometricMessageTests {
    @Test func everyFormRoundTripsAndOpens() throws {
        for (name, protection) in try Fixtures.protections {
            let message = try BiometricMessage.seal(Fixtures.objects, protection: protection)
            let bytes = try message.derEncoded()
            let decoded = try BiometricMessage(derEncoded: bytes)
            #expect(try decoded.derEncoded() == bytes, "\(name): re-encoding differs")
            let opened = try decoded.open(keys: Fixtures.receiverKeys)
            #expect(opened.objects == Fixtures.objects, "\(name)")
            #expect(opened.protections.first?.form == decoded.elements.first?.form, "\(name)")
        }
    }

    @Test func headersStayReadableWhenEncrypted() throws {
        let message = try BiometricMessage.seal(Fixtures.objects, protection: .privacyAndIntegrity(try Fixtures.privacy, Fixtures.mac))
        let decoded = try BiometricMessage(derEncoded: try message.derEncoded())
        #expect(decoded.elements[0].readableHeaders == Fixtures.objects.map(\.header))
        #expect(decoded.elements[0].encryptionKeyName == "terminal-7/enc-2026")
    }

    @Test func wrongKeysAreRefusedWithTheirOwnCodes() throws {
        var wrong = Fixtures.receiverKeys
        wrong.macKeys["terminal-7/mac-2026"] = SymmetricKey(size: .bits256)
        wrong.verifyingKeys["terminal-7/sig-2026"] = P256.Signing.PrivateKey().publicKey
        wrong.encryptionKeys["terminal-7/enc-2026"] = SymmetricKey(size: .bits256)
        for (name, protection) in try Fixtures.protections where name != "none" {
            let message = try BiometricMessage.seal(Fixtures.objects, protection: protection)
            let expected: FramingError.Code = name == "privacy" ? .decryption : .integrity
            expectFramingError(expected, "\(name)") { _ = try message.open(keys: wrong) }
            expectFramingError(.unknownKey, "\(name)") { _ = try message.open(keys: FramingKeys()) }
        }
    }

    /// Flipping any bit of any byte of a protected message never yields objects: it fails
    /// to decode or fails its check.
    @Test func everyFlippedByteOfAProtectedMessageIsRefused() throws {
        var flips = 0
        for (name, protection) in try Fixtures.protections where name != "none" {
            let bytes = try BiometricMessage.seal(Fixtures.objects, protection: protection).derEncoded()
            for i in bytes.indices {
                for bit in [0, 7] {
                    var tampered = bytes
                    tampered[i] ^= UInt8(1 << bit)
                    flips += 1
                    do {
                        let opened = try BiometricMessage(derEncoded: tampered).open(keys: Fixtures.receiverKeys)
                        Issue.record("\(name): flipping bit \(bit) of byte \(i) of \(bytes.count) still opened (\(opened.objects.count) objects)")
                    } catch is FramingError {
                        // refused, as it must be
                    }
                }
            }
        }
        #expect(flips > 2000)
        print("tampering: \(flips) single-bit flips over every byte of five protected forms, every one refused")
    }

    @Test func malformedInputsGetTheirOwnCodes() throws {
        let bytes = try BiometricMessage.seal(Fixtures.objects, protection: .integrity(Fixtures.mac)).derEncoded()
        expectFramingError(.trailingBytes) { _ = try BiometricMessage(derEncoded: bytes + [0]) }
        expectFramingError(.truncated) { _ = try BiometricMessage(derEncoded: Array(bytes.dropLast())) }
        expectFramingError(.truncated) { _ = try BiometricMessage(derEncoded: []) }
        expectFramingError(.unexpectedTag) { _ = try BiometricMessage(derEncoded: [0x04, 0x00]) }
        expectFramingError(.missingField) { _ = try BiometricMessage(derEncoded: [0x30, 0x00]) }
        // A syntax alternative the CHOICE does not have ([4]).
        expectFramingError(.unexpectedTag) { _ = try BiometricMessage(derEncoded: [0x30, 0x02, 0xA4, 0x00]) }
        // A BiometricObject without its data.
        var header = DER.Serializer()
        try BiometricHeader(purpose: .verify).serialize(into: &header, identifier: contextTag(0))
        let object = [0x30, UInt8(header.serializedBytes.count)] + header.serializedBytes
        let message = [0x30, UInt8(object.count + 2), 0xA0, UInt8(object.count)] + object
        expectFramingError(.missingField) { _ = try BiometricMessage(derEncoded: message) }
    }

    @Test func unsupportedFormsAndAlgorithmsAreTyped() throws {
        // integrityObjects whose block is CMS SignedData ([2]).
        let objects = try BiometricObject.encodeObjects(Fixtures.objects, identifier: contextTag(0))
        let block: [UInt8] = [0xA1, 0x02, 0xA2, 0x00]
        let inner = objects + block
        let syntax = [0xA1] + derLength(inner.count) + inner
        let message = [0x30] + derLength(syntax.count) + syntax
        expectFramingError(.unsupportedProtection) { _ = try BiometricMessage(derEncoded: message) }
        // A MAC block naming HMAC-SHA1.
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: contextTag(1)) { coder in
            try ASN1OctetString(contentBytes: Array("k".utf8)[...]).serialize(into: &coder, withIdentifier: contextTag(0))
            try AlgorithmIdentifier(algorithm: [1, 2, 840, 113549, 2, 7]).serialize(into: &coder, identifier: contextTag(1))
            try ASN1OctetString(contentBytes: [UInt8](repeating: 0, count: 20)[...]).serialize(into: &coder, withIdentifier: contextTag(2))
        }
        expectFramingError(.unsupportedAlgorithm) { _ = try IntegrityBlock(derEncoded: try DER.parse(coder.serializedBytes)) }
    }

    @Test func swappedReadableHeadersAreRefused() throws {
        let message = try BiometricMessage.seal(Fixtures.objects, protection: .privacy(try Fixtures.privacy))
        guard case .privacy(_, let block, _) = message.elements[0] else { Issue.record("not a privacy form"); return }
        var forged = Fixtures.objects.map(\.header)
        forged[0].purpose = .enroll
        let headerBytes = try encodeDER("headers") { coder in
            try coder.appendConstructedNode(identifier: contextTag(0)) { coder in
                for h in forged { try h.serialize(into: &coder, identifier: .sequence) }
            }
        }
        let swapped = BiometricMessage([.privacy(headers: forged, block: block, headerBytes: headerBytes)])
        let reparsed = try BiometricMessage(derEncoded: try swapped.derEncoded())
        expectFramingError(.decryption) { _ = try reparsed.open(keys: Fixtures.receiverKeys) }
    }

    /// A syntax element assembled by hand with objects other than the MACed ones opens to
    /// the MACed objects, never to the substituted ones.
    @Test func openingUsesTheAuthenticatedBytesNotHandMadeValues() throws {
        let message = try BiometricMessage.seal(Fixtures.objects, protection: .integrity(Fixtures.mac))
        guard case .integrity(_, let block, let authenticated) = message.elements[0] else { Issue.record("not an integrity form"); return }
        let forged = [BiometricObject(header: BiometricHeader(purpose: .enroll), data: [1, 2, 3])]
        let opened = try BiometricSyntax.integrity(objects: forged, block: block, authenticated: authenticated).open(keys: Fixtures.receiverKeys)
        #expect(opened.objects == Fixtures.objects)
    }

    @Test func encodersRefuseOutOfRangeFields() throws {
        let bad = BiometricObject(header: BiometricHeader(quality: 101), data: [])
        expectFramingError(.invalidArgument) { _ = try BiometricMessage.seal([bad], protection: .none) }
        expectFramingError(.invalidArgument) { _ = try BiometricMessage.seal([], protection: .none) }
        let shortID = BiometricObject(header: BiometricHeader(transaction: BiometricTransaction(id: [1, 2], time: Date())), data: [])
        expectFramingError(.invalidArgument) { _ = try BiometricMessage.seal([shortID], protection: .none) }
        expectFramingError(.invalidArgument) { _ = try PrivacyProtection(keyName: "k", key: SymmetricKey(size: .bits128)) }
    }
}

func derLength(_ n: Int) -> [UInt8] {
    if n < 128 { return [UInt8(n)] }
    if n < 256 { return [0x81, UInt8(n)] }
    return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
}
