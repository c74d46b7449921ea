import Foundation

/// A false-match-rate operating point, such as 1e-4 (one false match in ten thousand
/// impostor comparisons).
///
/// Callers ask for decisions at an FMR target rather than at a raw score threshold:
/// the threshold belongs to the model and is calibrated from impostor scores.
public struct FMRTarget: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The rate, in (0, 1), or exactly 0 for "no impostor of the calibration set matched".
    public let rate: Double

    /// Creates a target; `nil` unless `rate` is 0 or in (0, 1).
    public init?(rate: Double) {
        guard rate.isFinite, rate >= 0, rate < 1 else { return nil }
        self.rate = rate
    }

    /// Parses `"1e-3"`, `"0.001"` or `"0"`.
    public init?(_ text: String) {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        self.init(rate: value)
    }

    public static let oneInHundred = FMRTarget(uncheckedRate: 1e-2)
    public static let oneInThousand = FMRTarget(uncheckedRate: 1e-3)
    public static let oneInTenThousand = FMRTarget(uncheckedRate: 1e-4)
    public static let oneInHundredThousand = FMRTarget(uncheckedRate: 1e-5)

    /// The targets thresholds are calibrated for.
    public static let standard: [FMRTarget] = [.oneInHundred, .oneInThousand, .oneInTenThousand, .oneInHundredThousand]

    private init(uncheckedRate: Double) { rate = uncheckedRate }

    /// The key used in JSON reports and the model manifest: `"1e-3"`, or `"0"`.
    public var key: String {
        if rate == 0 { return "0" }
        let exponent = Int((-log10(rate)).rounded())
        if abs(pow(10, Double(-exponent)) - rate) < rate * 1e-9 { return "1e-\(exponent)" }
        return String(rate)
    }

    public var description: String { key }

    public static func < (lhs: FMRTarget, rhs: FMRTarget) -> Bool { lhs.rate < rhs.rate }

    /// Decodes the ``key`` form (`"1e-3"`), as JSON reports write it.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for a string that is not a rate in [0, 1).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let target = FMRTarget(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not an FMR target (a rate in [0, 1) such as 1e-3)")
        }
        self = target
    }

    /// Encodes the ``key`` form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(key)
    }
}
