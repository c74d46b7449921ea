@testable import BiomatchFraming
import Foundation
import SwiftASN1
import Testing

@Suite struct BiometricHeaderTests {
    private func roundTrip(_ header: BiometricHeader) throws -> BiometricHeader {
        var coder = DER.Serializer()
        try header.serialize(into: &coder, identifier: .sequence)
        return try BiometricHeader(derEncoded: try DER.parse(coder.serializedBytes), identifier: .sequence)
    }

    @Test func everyFieldRoundTrips() throws {
        #expect(try roundTrip(Fixtures.fullHeader) == Fixtures.fullHeader)
        #expect(try roundTrip(BiometricHeader()) == BiometricHeader())
        let oidOwner = BiometricHeader(format: BiometricFormat(owner: .oid([1, 3, 6, 1, 4, 1, 99999]), type: nil))
        #expect(try roundTrip(oidOwner) == oidOwner)
        let openEnded = BiometricHeader(validity: BiometricValidity(notAfter: Date(timeIntervalSince1970: 4_102_444_800)))
        #expect(try roundTrip(openEnded) == openEnded)
    }

    @Test func datesAreUTCWholeSeconds() throws {
        let date = Date(timeIntervalSince1970: 951_782_400.75)  // 2000-02-29T00:00:00.75Z
        let time = try GeneralizedTime(wholeSeconds: date)
        #expect(time.year == 2000 && time.month == 2 && time.day == 29 && time.hours == 0 && time.seconds == 0)
        #expect(time.date == Date(timeIntervalSince1970: 951_782_400))
        let early = Date(timeIntervalSince1970: -86_401)  // 1969-12-30T23:59:59Z
        let t2 = try GeneralizedTime(wholeSeconds: early)
        #expect(t2.year == 1969 && t2.month == 12 && t2.day == 30 && t2.hours == 23 && t2.seconds == 59)
        #expect(t2.date == early)
    }

    @Test func versionsOtherThanZeroAreRefused() throws {
        // SEQUENCE { [0] INTEGER 1 }
        expectFramingError(.unsupportedVersion) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x03, 0x80, 0x01, 0x01]), identifier: .sequence)
        }
        // version 0 written out: DER forbids encoding a DEFAULT.
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x03, 0x80, 0x01, 0x00]), identifier: .sequence)
        }
    }

    @Test func outOfRangeAndOutOfOrderFieldsAreRefused() throws {
        // purpose 9
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x03, 0x83, 0x01, 0x09]), identifier: .sequence)
        }
        // quality 101
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x03, 0x84, 0x01, 0x65]), identifier: .sequence)
        }
        // purpose before dataType
        expectFramingError(.unexpectedTag) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x06, 0x83, 0x01, 0x01, 0x82, 0x01, 0x02]), identifier: .sequence)
        }
        // a field twice
        expectFramingError(.unexpectedTag) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x06, 0x83, 0x01, 0x01, 0x83, 0x01, 0x02]), identifier: .sequence)
        }
        // an unknown field [11]
        expectFramingError(.unexpectedTag) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x03, 0x8B, 0x01, 0x01]), identifier: .sequence)
        }
    }

    @Test func aPartitionIsPrintableTextInTagTen() throws {
        #expect(try roundTrip(BiometricHeader(purpose: .identify, partition: "merchant-42")).partition == "merchant-42")
        expectFramingError(.invalidArgument) { _ = try roundTrip(BiometricHeader(partition: "two words")) }
        expectFramingError(.invalidArgument) { _ = try roundTrip(BiometricHeader(partition: "")) }
        // "a b" on the wire.
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x05, 0x8A, 0x03, 0x61, 0x20, 0x62]), identifier: .sequence)
        }
    }

    @Test func aPaymentDigestIsThirtyTwoBytesInTagNine() throws {
        let digest = try PaymentContext(amount: 100, currency: "CNY", payee: "M1", terminal: "T1", reference: "R1").digest
        #expect(try roundTrip(BiometricHeader(purpose: .verify, paymentDigest: digest)).paymentDigest == digest)
        var coder = DER.Serializer()
        try BiometricHeader(paymentDigest: digest).serialize(into: &coder, identifier: .sequence)
        #expect(Array(coder.serializedBytes.prefix(4)) == [0x30, 0x22, 0x89, 0x20])
        // One byte short, on the wire and at the encoder.
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x21, 0x89, 0x1F] + Array(digest.prefix(31))), identifier: .sequence)
        }
        expectFramingError(.invalidArgument) { _ = try roundTrip(BiometricHeader(paymentDigest: Array(digest.prefix(31)))) }
        // Out of order: [9] before [8].
        expectFramingError(.unexpectedTag) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x24, 0x89, 0x20] + digest + [0xA8, 0x00]), identifier: .sequence)
        }
    }

    @Test func presentationAttackScoresTravelToTenThousandthsAndHostileOnesAreRefused() throws {
        let header = BiometricHeader(presentationAttackScores: [BiometricPADScore(check: "passive-face", score: 0.123456), BiometricPADScore(check: "fingerprint", score: 1)])
        #expect(try roundTrip(header).presentationAttackScores == [BiometricPADScore(check: "passive-face", score: 0.1235), BiometricPADScore(check: "fingerprint", score: 1)])
        // A score of 10001/10000.
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x0B, 0xA8, 0x09, 0x30, 0x07, 0x0C, 0x01, 0x78, 0x02, 0x02, 0x27, 0x11]), identifier: .sequence)
        }
        // An empty check name.
        expectFramingError(.malformed) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x0A, 0xA8, 0x08, 0x30, 0x06, 0x0C, 0x00, 0x02, 0x02, 0x13, 0x88]), identifier: .sequence)
        }
        // A score without its name, and an extra field.
        expectFramingError(.unexpectedTag) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x07, 0xA8, 0x05, 0x30, 0x03, 0x02, 0x01, 0x05]), identifier: .sequence)
        }
        #expect(throws: FramingError.self) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x0C, 0xA8, 0x0A, 0x30, 0x08, 0x0C, 0x01, 0x78, 0x02, 0x01, 0x05, 0x05, 0x00]), identifier: .sequence)
        }
        // Seventeen scores.
        let entry: [UInt8] = [0x30, 0x06, 0x0C, 0x01, 0x78, 0x02, 0x01, 0x05]
        let many = Array(repeating: entry, count: 17).flatMap { $0 }
        expectFramingError(.limitExceeded) {
            _ = try BiometricHeader(derEncoded: try DER.parse([0x30, 0x81, 0x8B, 0xA8, 0x81, 0x88] + many), identifier: .sequence)
        }
        // The encoder refuses what the decoder would.
        for bad in [BiometricPADScore(check: "x", score: 1.5), BiometricPADScore(check: "", score: 0.5), BiometricPADScore(check: "x", score: .nan)] {
            expectFramingError(.invalidArgument) { _ = try roundTrip(BiometricHeader(presentationAttackScores: [bad])) }
        }
    }
}
