import BiomatchEvaluation
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore

/// What a verification or identification concluded.
public enum DecisionOutcome: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The probe matched (the claimed subject, or the one subject named).
    case match
    /// It did not.
    case noMatch = "no-match"

    /// `match` or `no-match`, as the CLI and the JSON print it.
    public var description: String { rawValue }
}

/// The operation a decision answers.
public enum DecisionOperation: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1:1 against a claimed subject.
    case verify
    /// 1:N against the gallery (or a partition of it).
    case identify

    /// `verify` or `identify`.
    public var description: String { rawValue }
}

/// How a decision's score was formed.
public enum DecisionRule: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// One face comparison.
    case face
    /// Finger comparisons (one, or several fused).
    case finger
    /// Face and finger evidence fused (Fisher's method over each comparison's evidence).
    case fused

    /// `face`, `finger` or `fused`.
    public var description: String { rawValue }
}

/// One modality's contribution to a decision.
public struct ModalityScore: Sendable, Hashable, Codable {
    /// Face or finger.
    public var modality: Modality
    /// ISO/IEC 19794-2 finger position for a finger (0 unknown), nil for a face.
    public var fingerPosition: Int?
    /// The matcher's similarity against the best reference.
    public var score: Double
    /// How many comparisons the score is the best of (probe sample × references). The
    /// false-match rate of a best-of-N is about N × FMR, so the decision accounts for it.
    public var comparisons: Int
    /// False-match evidence of the best-of-N, −log10(N × FMR(score)), as fused.
    public var evidence: Double
    /// The reference that gave the score; each reference gives at most one score.
    public var referenceID: String

    /// A score.
    public init(modality: Modality, fingerPosition: Int?, score: Double, comparisons: Int, evidence: Double, referenceID: String) {
        self.modality = modality
        self.fingerPosition = fingerPosition
        self.score = score
        self.comparisons = comparisons
        self.evidence = evidence
        self.referenceID = referenceID
    }
}

/// A candidate of an identification.
public struct IdentificationCandidate: Sendable, Hashable, Codable {
    /// The subject.
    public var subjectID: String
    /// The reference that matched.
    public var referenceID: String
    /// The similarity.
    public var score: Double
}

/// The engine's answer to a verify or identify request.
public struct Decision: Sendable, Hashable, Codable {
    /// Match or no match.
    public var outcome: DecisionOutcome
    /// Whether it is a match.
    public var isMatch: Bool { outcome == .match }
    /// Verify or identify.
    public var operation: DecisionOperation
    /// The claimed subject (verify) or the best candidate's subject (identify, if any).
    public var subjectID: String?
    /// The decision score: the similarity for a single comparison, the fused score
    /// (−log10 of the combined FMR) for several.
    public var score: Double
    /// The FMR target the decision is calibrated to (JSON: `"1e-4"`).
    public var fmrTarget: FMRTarget
    /// The threshold the score was compared with.
    public var threshold: Double
    /// How the score was formed.
    public var rule: DecisionRule
    /// The risk tier applied, by name (tiers are named by the configuration: `low`,
    /// `standard`, `high` by default).
    public var tier: String
    /// Each comparison that went into the decision.
    public var modalityScores: [ModalityScore]
    /// The matched subject's candidate (identify only; empty for no match). An answer names
    /// one subject or none: a second subject near the first makes the search ambiguous
    /// (refused), never a longer list.
    public var candidates: [IdentificationCandidate]
    /// The engine's liveness decision (at the tier's APCER target, from the checks' scores),
    /// when a liveness result accompanied the probe.
    public var liveness: LivenessResult?
    /// The payment the probe was bound to and presented for, when it was one.
    public var payment: PaymentContext?
    /// Identify only: the gallery searched, the per-comparison FMR and expected FPIR, and
    /// where the threshold came from.
    public var identification: IdentificationSummary?
    /// The probe's transaction id (hex), when it had one.
    public var transactionID: String?
    /// The protection form the probe arrived in.
    public var protection: String
    /// Why the decision came out as it did, for an operator.
    public var reasons: [String]
    /// The audit journal entry that records this decision.
    public var auditSequence: Int64
}

/// The engine's answer to an enrollment.
public struct EnrollmentReceipt: Sendable, Hashable, Codable {
    /// The subject enrolled.
    public var subjectID: String
    /// Stored references, one per object.
    public var referenceIDs: [String]
    /// The audit entry of each stored reference (0 where it was already present).
    public var auditSequences: [Int64]
    /// Quality of each object, as enrolled.
    public var qualities: [Int]
    /// Notes for an operator.
    public var reasons: [String]
}

/// The engine's answer to a revocation.
public struct RevocationReceipt: Sendable, Hashable, Codable {
    /// The subject revoked.
    public var subjectID: String
    /// The audit entry.
    public var auditSequence: Int64
}
