import Crypto
import SwiftASN1

/// What the payer saw and approved: the payment a verification probe authorises (dynamic
/// linking, as strong customer authentication asks in PSD2 RTS Art. 5).
///
/// The terminal binds the context into each object's header as a SHA-256 digest
/// (``BiometricHeader/paymentDigest``), under the message's MAC or signature; the payment
/// host gives the engine the same context, and the engine refuses a probe whose digest
/// differs. The digest covers a DER encoding of the five fields, so no two contexts share
/// an encoding (`payee=A,B` cannot be read as another split of the same bytes).
public struct PaymentContext: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The amount in minor units (cents, fen), at least 1.
    public let amount: Int64
    /// ISO 4217 alphabetic code: three capital letters (`CNY`, `EUR`).
    public let currency: String
    /// The payee or merchant id.
    public let payee: String
    /// The terminal id.
    public let terminal: String
    /// The payment reference (the host's id of this payment).
    public let reference: String

    /// Longest text field, in UTF-8 bytes.
    public static let maximumFieldBytes = 64

    /// A context; every field is checked.
    ///
    /// - Throws: ``FramingError`` `invalidArgument` for an amount under 1, a currency that is
    ///   not three capital letters, or an empty, over-long or control-character text field.
    public init(amount: Int64, currency: String, payee: String, terminal: String, reference: String) throws(FramingError) {
        guard amount > 0 else {
            throw FramingError(.invalidArgument, "payment amount \(amount) must be a positive number of minor units")
        }
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            throw FramingError(.invalidArgument, "payment currency \"\(currency)\" must be an ISO 4217 code of three capital letters (CNY, EUR)")
        }
        for (name, value) in [("payee", payee), ("terminal", terminal), ("reference", reference)] {
            guard (1...Self.maximumFieldBytes).contains(value.utf8.count),
                  !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw FramingError(.invalidArgument, "payment \(name) must be 1–\(Self.maximumFieldBytes) bytes of text without control characters")
            }
        }
        self.amount = amount
        self.currency = currency
        self.payee = payee
        self.terminal = terminal
        self.reference = reference
    }

    /// Parses `amount=50000,currency=CNY,payee=M1,terminal=T1,reference=R1`: every key once,
    /// in any order; the amount in minor units as plain decimal digits.
    ///
    /// - Throws: ``FramingError`` `invalidArgument` naming the key that is missing, repeated,
    ///   unknown or malformed (a negative, zero, fractional or non-numeric amount among them).
    public init(parsing text: String) throws(FramingError) {
        let keys = ["amount", "currency", "payee", "terminal", "reference"]
        var fields: [String: String] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let eq = part.firstIndex(of: "=") else {
                throw FramingError(.invalidArgument, "payment context: \"\(part)\" is not KEY=VALUE (keys: \(keys.joined(separator: ", ")))")
            }
            let key = String(part[..<eq]).trimmingSpaces, value = String(part[part.index(after: eq)...]).trimmingSpaces
            guard keys.contains(key) else {
                throw FramingError(.invalidArgument, "payment context: unknown key \"\(key)\" (keys: \(keys.joined(separator: ", ")))")
            }
            guard fields[key] == nil else { throw FramingError(.invalidArgument, "payment context: \(key) is given twice") }
            fields[key] = value
        }
        for key in keys where fields[key] == nil {
            throw FramingError(.invalidArgument, "payment context: \(key) is missing (give \(keys.map { "\($0)=…" }.joined(separator: ",")))")
        }
        let amountText = fields["amount"] ?? ""
        guard !amountText.isEmpty, amountText.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let amount = Int64(amountText) else {
            throw FramingError(.invalidArgument, "payment amount \"\(amountText)\" must be a positive whole number of minor units (5000.00 CNY is amount=500000)")
        }
        try self.init(amount: amount, currency: fields["currency"] ?? "", payee: fields["payee"] ?? "",
                      terminal: fields["terminal"] ?? "", reference: fields["reference"] ?? "")
    }

    /// The canonical text form, as ``init(parsing:)`` reads it.
    public var description: String {
        "amount=\(amount),currency=\(currency),payee=\(payee),terminal=\(terminal),reference=\(reference)"
    }

    /// SHA-256 over a domain label and the DER `SEQUENCE { amount INTEGER, currency,
    /// payee, terminal, reference UTF8String }`: what a probe's header carries.
    public var digest: [UInt8] {
        var coder = DER.Serializer()
        // The fields were checked at init, so serialization cannot fail; an empty digest
        // would match nothing (a probe's digest is always 32 bytes).
        do {
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(Int(amount))
                for text in [currency, payee, terminal, reference] { try coder.serialize(ASN1UTF8String(text)) }
            }
        } catch {
            return []
        }
        var hash = SHA256()
        hash.update(data: Array("biomatch payment context v1".utf8))
        hash.update(data: coder.serializedBytes)
        return Array(hash.finalize())
    }

    /// Whether `digest` (from a probe's header) is this context's, compared in constant time.
    public func matches(digest other: [UInt8]) -> Bool {
        let mine = digest
        guard mine.count == other.count, !mine.isEmpty else { return false }
        return zip(mine, other).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The amount with its minor unit, for an operator (`500.00 CNY`; two decimals assumed).
    public var displayAmount: String {
        let cents = amount % 100
        return "\(amount / 100).\(cents < 10 ? "0" : "")\(cents) \(currency)"
    }

    private enum CodingKeys: String, CodingKey { case amount, currency, payee, terminal, reference }

    /// Decodes and checks a context (a JSON one is checked like any other).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(amount: try c.decode(Int64.self, forKey: .amount), currency: try c.decode(String.self, forKey: .currency),
                      payee: try c.decode(String.self, forKey: .payee), terminal: try c.decode(String.self, forKey: .terminal),
                      reference: try c.decode(String.self, forKey: .reference))
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
