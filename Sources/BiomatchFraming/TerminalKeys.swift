import Crypto
import Foundation

/// What a framing key may protect. The engine refuses an object protected under a key of
/// the other purpose, so a terminal that holds only probe keys cannot enroll anyone.
public enum FramingKeyPurpose: String, Sendable, Hashable, Codable, CaseIterable {
    /// Verification and identification probes.
    case probe
    /// Enrollment objects.
    case enrollment
}

/// The name of a per-terminal key, as objects carry it:
/// `tk1/MASTER/TERMINAL/PURPOSE/YYYYMMDD-YYYYMMDD`.
///
/// Everything in the name goes into the key's derivation, so a terminal cannot change its
/// purpose or stretch its dates: another name is another key. The dates are UTC days, both
/// included.
public struct TerminalKeyName: Sendable, Hashable, CustomStringConvertible {
    /// The master key the terminal key derives from (so masters can be rotated).
    public let masterID: String
    /// The terminal the key belongs to.
    public let terminalID: String
    /// What the key may protect.
    public let purpose: FramingKeyPurpose
    /// The first instant the key is valid (00:00 UTC of its first day).
    public let validFrom: Date
    /// The first instant the key is no longer valid (00:00 UTC after its last day).
    public let validUntil: Date

    static let prefix = "tk1/"

    /// A name; the ids are 1–64 of `A–Z a–z 0–9 . _ -`, and the last day is not before the first.
    ///
    /// - Throws: ``FramingError`` `invalidArgument` for an invalid id or a last day before the first.
    public init(masterID: String, terminalID: String, purpose: FramingKeyPurpose, firstDay: Date, lastDay: Date) throws(FramingError) {
        try Self.checkID(masterID, "master key id")
        try Self.checkID(terminalID, "terminal id")
        let from = Self.day(firstDay), last = Self.day(lastDay)
        guard last >= from else { throw FramingError(.invalidArgument, "a terminal key's last day is before its first") }
        self.masterID = masterID
        self.terminalID = terminalID
        self.purpose = purpose
        validFrom = from
        validUntil = last.addingTimeInterval(86_400)
    }

    /// Parses a key name; nil when `name` is not a terminal key name at all (a named key),
    /// and a ``FramingError`` when it starts like one but is malformed or not canonical.
    ///
    /// - Throws: ``FramingError`` `invalidArgument` for a malformed or non-canonical terminal key name.
    public init?(parsing name: String) throws(FramingError) {
        guard name.hasPrefix(Self.prefix) else { return nil }
        let parts = name.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, let purpose = FramingKeyPurpose(rawValue: String(parts[2])) else {
            throw FramingError(.invalidArgument, "terminal key name \"\(name)\" is not tk1/MASTER/TERMINAL/probe|enrollment/YYYYMMDD-YYYYMMDD")
        }
        let days = parts[3].split(separator: "-", omittingEmptySubsequences: false)
        guard days.count == 2, let first = Self.parseDay(days[0]), let last = Self.parseDay(days[1]) else {
            throw FramingError(.invalidArgument, "terminal key name \"\(name)\" has no valid YYYYMMDD-YYYYMMDD dates")
        }
        try self.init(masterID: String(parts[0]), terminalID: String(parts[1]), purpose: purpose, firstDay: first, lastDay: last)
        guard description == name else { throw FramingError(.invalidArgument, "terminal key name \"\(name)\" is not in canonical form") }
    }

    public var description: String {
        "\(Self.prefix)\(masterID)/\(terminalID)/\(purpose.rawValue)/\(Self.format(validFrom))-\(Self.format(validUntil.addingTimeInterval(-86_400)))"
    }

    /// Whether `date` lies in the validity period, widened by `skew` on both sides.
    public func isValid(at date: Date, skew: TimeInterval = 0) -> Bool {
        date >= validFrom.addingTimeInterval(-skew) && date < validUntil.addingTimeInterval(skew)
    }

    private static func checkID(_ id: String, _ what: String) throws(FramingError) {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".utf8)
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy(allowed.contains) else {
            throw FramingError(.invalidArgument, "\(what) \"\(id)\" must be 1–64 characters of A–Z a–z 0–9 . _ -")
        }
    }

    private static var utc: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = .gmt
        return c
    }

    private static func day(_ date: Date) -> Date { utc.startOfDay(for: date) }

    private static func parseDay(_ text: Substring) -> Date? {
        guard text.count == 8, text.allSatisfy(\.isASCII), let n = Int(text) else { return nil }
        let parts = DateComponents(year: n / 10_000, month: n / 100 % 100, day: n % 100)
        guard let date = utc.date(from: parts), utc.dateComponents([.year, .month, .day], from: date) == parts else { return nil }
        return date
    }

    private static func format(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: date)
        let n = (c.year ?? 0) * 10_000 + (c.month ?? 0) * 100 + (c.day ?? 0)
        return String(repeating: "0", count: max(0, 8 - String(n).count)) + String(n)
    }
}

/// A master key from which per-terminal keys derive (HKDF-SHA256 over the terminal key's
/// whole name and the algorithm), so the back end holds one secret per master instead of a
/// table of terminal keys, and a terminal's keys are bound to its id, purpose and dates.
///
/// The terminal gets only its derived keys (`biomatch object terminal-key`), never the master.
public struct TerminalKeyMaster: Sendable {
    /// The master's id, as terminal key names carry it.
    public let id: String
    private let key: SymmetricKey
    /// The longest validity a terminal key may state; longer ones are refused by the engine.
    public var maximumValidity: TimeInterval

    /// A master; the key must be 256 bits.
    ///
    /// - Throws: ``FramingError`` `invalidArgument` for a key that is not 256 bits or an invalid id.
    public init(id: String, key: SymmetricKey, maximumValidity: TimeInterval = 400 * 86_400) throws(FramingError) {
        guard key.bitCount == 256 else { throw FramingError(.invalidArgument, "terminal master key \(id) must be 256 bits, not \(key.bitCount)") }
        _ = try TerminalKeyName(masterID: id, terminalID: "x", purpose: .probe, firstDay: Date(), lastDay: Date())  // checks the id
        self.id = id
        self.key = key
        self.maximumValidity = maximumValidity
    }

    /// The terminal's HMAC-SHA256 key.
    ///
    /// - Throws: ``FramingError`` `unknownKey` when `name` derives from another master.
    public func macKey(for name: TerminalKeyName) throws(FramingError) -> SymmetricKey { try derive(name, "hmac-sha256") }

    /// The terminal's AES-256-GCM key.
    ///
    /// - Throws: ``FramingError`` `unknownKey` when `name` derives from another master.
    public func encryptionKey(for name: TerminalKeyName) throws(FramingError) -> SymmetricKey { try derive(name, "aes-256-gcm") }

    private func derive(_ name: TerminalKeyName, _ algorithm: String) throws(FramingError) -> SymmetricKey {
        guard name.masterID == id else {
            throw FramingError(.unknownKey, "terminal key \(name) derives from master \(name.masterID), not \(id)")
        }
        let info = Array(name.description.utf8) + [0] + Array(algorithm.utf8)
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: Array("biomatch terminal key v1".utf8), info: info, outputByteCount: 32)
    }
}
