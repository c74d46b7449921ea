import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchStore
import BiomatchSupport
import Foundation

extension Engine {
    /// Enrolls the templates of a framed `enroll` (or `enrollVerify`, `enrollIdentity`)
    /// object for `subjectID`, one reference per template: each view of a multi-view
    /// ISO/IEC 19794-2 record is its own reference at its own position, and captures (face
    /// and finger image records) are extracted by the engine.
    ///
    /// The reference's validity is the object's validity period, or from now for
    /// ``EngineConfiguration/referenceValidity`` when the object gives no end.
    ///
    /// `partition`: the partition identification searches the references in; an object's
    /// header may name it instead (``BiometricHeader/partition``), but not another one.
    ///
    /// - Throws: ``EngineError``, journaled, for every refusal.
    public func enroll(_ message: [UInt8], subjectID: String, partition: String? = nil) async throws -> EnrollmentReceipt {
        try await offloaded { try self.enrollSynchronously(message, subjectID: subjectID, partition: partition) }
    }

    func enrollSynchronously(_ message: [UInt8], subjectID: String, partition: String? = nil) throws -> EnrollmentReceipt {
        let request = try admit(message, for: .enroll, subjectID: subjectID, payment: nil)
        do {
            var drafts: [ReferenceDraft] = []
            var qualities: [Int] = []
            let named = try Self.partition(of: request.objects)
            if let partition, let named, partition != named {
                throw EngineError(.unsupportedObject, "the enrollment object names partition \(named), not \(partition)")
            }
            for object in request.objects {
                for template in try acquire([object], for: .enroll, checks: []).templates {
                    let (draft, quality) = try self.draft(template, subjectID: subjectID, validity: object.header.validity,
                                                          partition: partition ?? named)
                    drafts.append(draft)
                    qualities.append(quality)
                }
            }
            return try store(drafts, subjectID: subjectID, qualities: qualities, reasons: ["protection \(request.protection.form)"])
        } catch let error as EngineError where error.auditSequence == nil {
            throw journalRefusal(error, operation: .enroll, subjectID: subjectID)
        }
    }

    /// Enrolls a raw face image on a trusted local path (an enrollment desk): capture,
    /// quality gate, embedding, then as ``enroll(_:subjectID:)``.
    ///
    /// - Throws: ``EngineError``, journaled: `captureFailed` or `qualityTooLow` for an unusable image, or `store`.
    public func enroll(faceImage bytes: [UInt8], subjectID: String, validity: BiometricValidity? = nil,
                       partition: String? = nil) async throws -> EnrollmentReceipt {
        try await offloaded { try self.enrollSynchronously(faceImage: bytes, subjectID: subjectID, validity: validity, partition: partition) }
    }

    func enrollSynchronously(faceImage bytes: [UInt8], subjectID: String, validity: BiometricValidity? = nil,
                             partition: String? = nil) throws -> EnrollmentReceipt {
        do {
            let template = try captureFace(bytes).capture.template
            let (draft, quality) = try draft(.face(template), subjectID: subjectID, validity: validity, partition: partition)
            return try store([draft], subjectID: subjectID, qualities: [quality], reasons: ["raw face image, local"])
        } catch let error as EngineError where error.auditSequence == nil {
            throw journalRefusal(error, operation: .enroll, subjectID: subjectID)
        }
    }

    /// Enrolls a raw fingerprint image (grey, at `dpi`) for `position` on a trusted local path.
    ///
    /// - Throws: ``EngineError``: an image that yields no usable template, or a store error; each journaled.
    public func enroll(fingerImage bytes: [UInt8], dpi: Int = 500, position: FingerPosition, subjectID: String,
                       validity: BiometricValidity? = nil, partition: String? = nil) async throws -> EnrollmentReceipt {
        try await offloaded { try self.enrollSynchronously(fingerImage: bytes, dpi: dpi, position: position, subjectID: subjectID, validity: validity, partition: partition) }
    }

    func enrollSynchronously(fingerImage bytes: [UInt8], dpi: Int = 500, position: FingerPosition, subjectID: String,
                             validity: BiometricValidity? = nil, partition: String? = nil) throws -> EnrollmentReceipt {
        do {
            let template: FingerprintTemplate
            do {
                template = try fingerExtractor.extract(try FingerprintImage(bytes: bytes, dpi: dpi, name: "enrollment"))
            } catch {
                throw EngineError(.captureFailed, "no usable fingerprint: \(error)")
            }
            let record = try BiometricObject.finger(template, position: position, purpose: .enroll).data
            let (draft, quality) = try draft(.finger(template, position: Int(position.rawValue), record: record), subjectID: subjectID,
                                             validity: validity, partition: partition)
            return try store([draft], subjectID: subjectID, qualities: [quality], reasons: ["raw finger image, local"])
        } catch let error as EngineError where error.auditSequence == nil {
            throw journalRefusal(error, operation: .enroll, subjectID: subjectID)
        }
    }

    /// Revokes a subject: every reference stops matching at once, here and in the store.
    ///
    /// - Throws: ``EngineError`` `unknownSubject` or `store`.
    public func revoke(subjectID: String, reason: String) async throws -> RevocationReceipt {
        try await offloaded { try self.revokeSynchronously(subjectID: subjectID, reason: reason) }
    }

    func revokeSynchronously(subjectID: String, reason: String) throws -> RevocationReceipt {
        do {
            let seq = try store.revoke(subjectID: subjectID, reason: reason)
            identificationGalleries.withLock { $0?.remove(subjectID: subjectID) }
            return RevocationReceipt(subjectID: subjectID, auditSequence: seq)
        } catch StoreError.Code.notFound {
            throw EngineError(.unknownSubject, "subject \(subjectID) is not enrolled")
        } catch {
            throw EngineError(.store, "subject \(subjectID) could not be revoked: \(error)")
        }
    }

    private func draft(_ template: ProbeTemplate, subjectID: String, validity: BiometricValidity?, partition: String?) throws -> (ReferenceDraft, Int) {
        if let partition, !BiometricHeader.isValidPartition(partition) {
            throw EngineError(.unsupportedObject, "a partition is 1–128 printable characters without spaces")
        }
        let now = clock()
        let notBefore = validity?.notBefore ?? now
        let notAfter = validity?.notAfter ?? configuration.referenceValidity.map { now.addingTimeInterval($0) }
        let period = ValidityPeriod(notBefore: Self.milliseconds(notBefore), notAfter: notAfter.map(Self.milliseconds))
        switch template {
        case .face(let t):
            guard t.quality >= configuration.enrollmentQualityFloor else {
                throw EngineError(.qualityTooLow, "the face has quality \(t.quality), under the enrollment floor \(configuration.enrollmentQualityFloor)")
            }
            if let comparator = faceComparator, comparator.modelID != t.modelID {
                throw EngineError(.incompatibleTemplate, "the face template comes from \(t.modelID); this engine compares \(comparator.modelID)")
            }
            return (ReferenceDraft(subjectID: subjectID, modality: .face, modelID: t.modelID, modelVersion: t.modelVersion,
                                   quality: t.quality, validity: period, template: t.serialized(), partition: partition), t.quality)
        case .finger(let t, let position, let record):
            guard t.quality >= configuration.enrollmentQualityFloor else {
                throw EngineError(.qualityTooLow, "the finger has quality \(t.quality), under the enrollment floor \(configuration.enrollmentQualityFloor)")
            }
            return (ReferenceDraft(subjectID: subjectID, modality: .finger, fingerPosition: position, modelID: Self.fingerModelID,
                                   modelVersion: Self.fingerModelVersion, quality: t.quality, validity: period, template: record,
                                   partition: partition), t.quality)
        }
    }

    private func store(_ drafts: [ReferenceDraft], subjectID: String, qualities: [Int], reasons: [String]) throws -> EnrollmentReceipt {
        let outcomes: [(outcome: EnrollmentOutcome, auditSequence: Int64?)]
        do {
            outcomes = try store.enrollAudited(drafts)
        } catch StoreError.Code.revoked {
            throw EngineError(.noActiveReference, "subject \(subjectID) is revoked; it cannot be enrolled again under the same id")
        } catch {
            throw EngineError(.store, "the references could not be stored: \(error)")
        }
        // A loaded gallery picks the new references up from the store's change feed.
        return EnrollmentReceipt(subjectID: subjectID, referenceIDs: outcomes.map(\.outcome.referenceID),
                                 auditSequences: outcomes.map { $0.auditSequence ?? 0 }, qualities: qualities, reasons: reasons)
    }
}
