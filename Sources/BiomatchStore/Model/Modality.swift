/// The biometric modality of a reference.
public enum Modality: String, Sendable, Codable, CaseIterable, Hashable {
    /// A face template.
    case face
    /// A fingerprint template (with a finger position).
    case finger
}

/// Whether a subject or reference may be used for matching.
public enum ReferenceStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Usable.
    case active
    /// Withdrawn: kept for the record, never loaded into a gallery or matched.
    case revoked
}

/// A validity window in milliseconds since 1970 (either end open).
public struct ValidityPeriod: Sendable, Codable, Hashable {
    /// First valid instant, or nil for "from creation".
    public var notBefore: Int64?
    /// Last valid instant, or nil for "no expiry".
    public var notAfter: Int64?

    /// Creates a window.
    public init(notBefore: Int64? = nil, notAfter: Int64? = nil) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Whether `time` (ms since 1970) lies inside the window.
    public func contains(_ time: Int64) -> Bool {
        if let notBefore, time < notBefore { return false }
        if let notAfter, time > notAfter { return false }
        return true
    }
}
