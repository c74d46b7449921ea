import Foundation
import SwiftASN1

/// Context-specific tags, as X9.84's automatic tagging assigns them.
@inline(__always) func contextTag(_ number: UInt) -> ASN1Identifier {
    ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific)
}

/// Decoder limits: a terminal message carries a few templates, never megabytes.
enum FramingLimits {
    /// Largest message a decoder accepts.
    static let maximumMessageBytes = 4 << 20
    /// Most objects in one BiometricObjects sequence.
    static let maximumObjects = 16
    /// Most syntax elements in one BiometricSyntaxSets.
    static let maximumSyntaxElements = 8
    /// Longest key name.
    static let maximumKeyNameBytes = 128
}

extension ASN1Node {
    /// The primitive content of an element, or an error naming `what`.
    func primitiveBytes(_ what: String) throws -> ArraySlice<UInt8> {
        guard case .primitive(let bytes) = content else {
            throw FramingError(.malformed, "\(what) must be a primitive element")
        }
        return bytes
    }
}

/// Reads a required element from a SEQUENCE's children, or throws `missingField`.
func requiredNode(_ nodes: inout ASN1NodeCollection.Iterator, _ what: String) throws -> ASN1Node {
    guard let node = nodes.next() else { throw FramingError(.missingField, "\(what) is missing") }
    return node
}

/// Reads a required element that must carry `identifier`.
func requiredNode(_ nodes: inout ASN1NodeCollection.Iterator, _ identifier: ASN1Identifier, _ what: String) throws -> ASN1Node {
    let node = try requiredNode(&nodes, what)
    guard node.identifier == identifier else {
        throw FramingError(.unexpectedTag, "\(what): expected tag \(identifier), found \(node.identifier)")
    }
    return node
}

/// An OCTET STRING with any identifier, as bytes.
func octets(_ node: ASN1Node, _ identifier: ASN1Identifier, _ what: String) throws -> [UInt8] {
    do {
        return Array(try ASN1OctetString(derEncoded: node, withIdentifier: identifier).bytes)
    } catch {
        throw FramingError.decoding(error, what)
    }
}

/// An INTEGER (or ENUMERATED: same content octets) with any identifier, range-checked.
func integer(_ node: ASN1Node, _ identifier: ASN1Identifier, _ what: String, range: ClosedRange<Int>) throws -> Int {
    let value: Int
    do {
        value = try Int(derEncoded: node, withIdentifier: identifier)
    } catch {
        throw FramingError.decoding(error, what)
    }
    guard range.contains(value) else {
        throw FramingError(.malformed, "\(what) \(value) is outside \(range.lowerBound)…\(range.upperBound)")
    }
    return value
}

/// A key name: UTF-8 in an OCTET STRING, 1–128 bytes.
func decodeKeyName(_ node: ASN1Node, _ identifier: ASN1Identifier, _ what: String) throws -> String {
    let bytes = try octets(node, identifier, what)
    guard (1...FramingLimits.maximumKeyNameBytes).contains(bytes.count), let name = String(validating: bytes, as: UTF8.self) else {
        throw FramingError(.malformed, "\(what) must be 1–\(FramingLimits.maximumKeyNameBytes) bytes of UTF-8")
    }
    return name
}

/// Checks a key name before it is encoded.
func checkKeyName(_ name: String, _ what: String) throws {
    guard (1...FramingLimits.maximumKeyNameBytes).contains(name.utf8.count) else {
        throw FramingError(.invalidArgument, "\(what) must be 1–\(FramingLimits.maximumKeyNameBytes) bytes of UTF-8")
    }
}

/// Runs a DER encoding, mapping swift-asn1's errors.
func encodeDER(_ what: String, _ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
    var serializer = DER.Serializer()
    do {
        try body(&serializer)
    } catch let error as FramingError {
        throw error
    } catch {
        throw FramingError(.invalidArgument, "\(what) cannot be encoded: \(error)")
    }
    return serializer.serializedBytes
}

/// Parses bytes as exactly one DER element (no trailing bytes), within the size limit.
func parseDER(_ bytes: [UInt8], _ what: String) throws -> ASN1Node {
    guard bytes.count <= FramingLimits.maximumMessageBytes else {
        throw FramingError(.limitExceeded, "\(what) is \(bytes.count) bytes; at most \(FramingLimits.maximumMessageBytes) are accepted")
    }
    guard !bytes.isEmpty else { throw FramingError(.truncated, "\(what) is empty") }
    do {
        return try DER.parse(bytes)
    } catch {
        throw FramingError.decoding(error, what)
    }
}

// MARK: - GeneralizedTime ↔ Date (UTC, whole seconds)

extension GeneralizedTime {
    /// The time `date`, truncated to whole seconds, in UTC.
    init(wholeSeconds date: Date) throws {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = civilFromDays(days)
        guard (1...9999).contains(y) else { throw FramingError(.invalidArgument, "year \(y) cannot be encoded as GeneralizedTime") }
        try self.init(year: y, month: m, day: d, hours: secondOfDay / 3600, minutes: secondOfDay / 60 % 60,
                      seconds: secondOfDay % 60, fractionalSeconds: 0)
    }

    /// The time as a `Date`; fractional seconds are dropped (DER from this library has none).
    var date: Date {
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hours * 3600 + minutes * 60 + seconds)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian, days since 1970-01-01).
private func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = Int64((month + 9) % 12)
    let doy = (153 * mp + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
}
