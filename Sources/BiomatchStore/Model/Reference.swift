/// What an enrollment hands the store: one template (and optionally the raw sample it
/// came from) for one subject.
public struct ReferenceDraft: Sendable {
    /// The reference id; nil for a fresh random one. Giving the same id again is how a
    /// resumed batch avoids enrolling a reference twice.
    public var referenceID: String?
    /// The subject's opaque id (no personal data needed).
    public var subjectID: String
    /// Face or finger.
    public var modality: Modality
    /// ISO/IEC 19794-2 finger position (0 unknown, 1–10); 0 for faces.
    public var fingerPosition: Int
    /// Model that produced the template (for example "sface-2021dec").
    public var modelID: String
    /// The model's version.
    public var modelVersion: String
    /// Capture quality 0–100.
    public var quality: Int
    /// Validity window; default open.
    public var validity: ValidityPeriod
    /// The serialised template (sealed before it is stored).
    public var template: [UInt8]
    /// The raw sample (image bytes), kept sealed so the template can be re-extracted later.
    public var sample: [UInt8]?
    /// The partition the reference is searched in (a merchant, a region, a phone-number hint
    /// group), 1–128 printable characters; nil for none. Identification within a partition
    /// searches only its references.
    public var partition: String?

    /// Creates a draft.
    public init(referenceID: String? = nil, subjectID: String, modality: Modality, fingerPosition: Int = 0,
                modelID: String, modelVersion: String, quality: Int, validity: ValidityPeriod = .init(),
                template: [UInt8], sample: [UInt8]? = nil, partition: String? = nil) {
        self.referenceID = referenceID
        self.subjectID = subjectID
        self.modality = modality
        self.fingerPosition = fingerPosition
        self.modelID = modelID
        self.modelVersion = modelVersion
        self.quality = quality
        self.validity = validity
        self.template = template
        self.sample = sample
        self.partition = partition
    }
}

/// A stored reference's metadata (never its template).
public struct ReferenceInfo: Sendable, Hashable, Codable {
    /// The reference id.
    public let id: String
    /// The subject's id.
    public let subjectID: String
    /// Face or finger.
    public let modality: Modality
    /// Finger position (0 for faces or unknown).
    public let fingerPosition: Int
    /// Model id of the template.
    public let modelID: String
    /// Model version of the template.
    public let modelVersion: String
    /// Capture quality 0–100.
    public let quality: Int
    /// Creation time, ms since 1970.
    public let createdAt: Int64
    /// Validity window.
    public let validity: ValidityPeriod
    /// Active or revoked.
    public let status: ReferenceStatus
    /// Id of the key-encryption key its data key is wrapped under.
    public let keyID: String
    /// The partition it is searched in, if any.
    public let partition: String?
}

/// A decrypted, authenticated template with its metadata.
public struct StoredTemplate: Sendable, Hashable {
    /// The metadata.
    public let info: ReferenceInfo
    /// The template bytes, as enrolled.
    public let template: [UInt8]
}

/// What happened to one draft of an enrollment batch.
public enum EnrollmentOutcome: Sendable, Hashable {
    /// Stored under this reference id.
    case enrolled(referenceID: String)
    /// A reference with this id was already stored; nothing changed (a resumed batch).
    case alreadyPresent(referenceID: String)

    /// The reference id either way.
    public var referenceID: String {
        switch self {
        case .enrolled(let id), .alreadyPresent(let id): return id
        }
    }
}
