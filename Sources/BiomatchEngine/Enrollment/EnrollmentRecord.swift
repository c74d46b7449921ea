import BiomatchStore
import Foundation

/// What happened to one item of a batch enrollment: one line of the outcome files.
public struct EnrollmentRecord: Sendable, Hashable, Codable {
    /// Every outcome an item can have.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// Stored.
        case enrolled
        /// Stored, but it matches another subject above the calibrated threshold.
        case enrolledDuplicateSuspect = "enrolled-duplicate-suspect"
        /// Not stored (held for review): it matches another subject.
        case heldDuplicateSuspect = "held-duplicate-suspect"
        /// Not stored: under the quality floor (a failure to enrol, with reasons).
        case failedQuality = "failed-quality"
        /// Not stored: no usable face or finger, or an unreadable image (a failure to enrol).
        case failedCapture = "failed-capture"
        /// Not stored again: the same image of the same subject is already stored (earlier
        /// in this input, or by another batch).
        case alreadyStored = "already-stored"

        /// Whether the item was stored.
        public var isStored: Bool { self == .enrolled || self == .enrolledDuplicateSuspect }
        /// Whether the item counts as a failure to enrol (ISO/IEC 19795-1).
        public var isFailureToEnrol: Bool { self == .failedQuality || self == .failedCapture }
    }

    /// A candidate another subject offered.
    public struct DuplicateCandidate: Sendable, Hashable, Codable {
        /// The other subject.
        public var subjectID: String
        /// Its reference.
        public var referenceID: String
        /// The similarity.
        public var score: Double
    }

    /// Position in the input, from 0.
    public var index: Int
    /// The subject.
    public var subjectID: String
    /// `face` or `finger`.
    public var modality: String
    /// Finger position (0 for faces).
    public var fingerPosition: Int
    /// The image file.
    public var item: String
    /// What happened.
    public var outcome: Outcome
    /// Capture quality 0–100, when a template was made.
    public var quality: Int?
    /// Why, for failures and holds.
    public var reasons: [String]
    /// Other subjects above the duplicate threshold, best first.
    public var duplicateCandidates: [DuplicateCandidate]
    /// The reference id (stored items; derived from the subject and the image's SHA-256, so a
    /// rerun maps the same image to the same reference).
    public var referenceID: String?

    /// Whether this record is about `item` (a log kept across runs of one input).
    func describes(_ item: EnrollmentItem) -> Bool {
        subjectID == item.subjectID && modality == item.modality.rawValue && fingerPosition == item.fingerPosition && self.item == item.path
    }
}

/// The totals of a batch enrollment, over every item of the input (those enrolled by an
/// earlier, interrupted run included), so a resumed run reports what an uninterrupted one would.
public struct EnrollmentSummary: Sendable, Hashable, Codable {
    /// Items in the input.
    public var items: Int
    /// Items by outcome.
    public var outcomes: [String: Int]
    /// Failure-to-enrol rate: failed items over items attempted (ISO/IEC 19795-1).
    public var fte: Double
    /// Items an earlier run had already stored (skipped this run).
    public var alreadyEnrolled: Int
    /// Items processed by this run.
    public var processedThisRun: Int
    /// Wall-clock seconds of this run.
    public var seconds: Double
    /// Items processed per second by this run.
    public var itemsPerSecond: Double
    /// Worker threads.
    public var jobs: Int
    /// Whether the run stopped early (SIGINT); the outputs cover the items done so far.
    public var interrupted: Bool
    /// Items not yet processed when it stopped.
    public var remaining: Int
    /// The duplicate check's rule and thresholds for this run.
    public var duplicateCheck: String
}
