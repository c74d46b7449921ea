import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchKernels
import BiomatchLiveness
import BiomatchStore
import BiomatchSupport
import Foundation
import Logging

/// How an identification held its false-positive identification rate.
public struct IdentificationSummary: Sendable, Hashable, Codable {
    /// References searched (the partition's, or every one of the modality).
    public var gallerySize: Int
    /// Distinct subjects among them.
    public var gallerySubjects: Int
    /// The partition searched, nil for the whole gallery.
    public var partition: String?
    /// The per-comparison FMR the threshold is taken at: the tier's FPIR target / gallery size.
    public var perComparisonFmr: Double
    /// Gallery size × per-comparison FMR: the false-positive identification rate expected
    /// of a search by someone not enrolled.
    public var expectedFpir: Double
    /// Where the threshold came from (the calibration, interpolated, or a validated tail model).
    public var thresholdSource: String
    /// The second-best distinct subject's score, when there was one.
    public var runnerUpScore: Double?
}

extension Engine {
    /// Identifies a framed face or finger probe against the active references (open-set 1:N),
    /// within the partition its header names (``BiometricHeader/partition``) or the whole
    /// gallery.
    ///
    /// With *N* references searched, a per-comparison FMR *f* gives a false-positive
    /// identification rate of about *N* × *f*; the threshold is taken at *f* = tier target / *N*
    /// and only within the matcher's measured calibration: beyond it the search is refused
    /// (`galleryTooLarge`), never answered at a looser threshold. A match needs the best
    /// subject above the threshold and the second-best distinct subject below it and at least
    /// ``EngineConfiguration/identificationMargin`` decades of FMR evidence lower; otherwise
    /// the search is refused as ambiguous. The gallery follows the store's change feed before
    /// every search, and the candidates are checked against the store at decision time.
    ///
    /// Liveness is decided as for ``verify(_:claimedSubject:tier:)``: the engine runs the
    /// tier's checks on the capture the probe carries; a terminal's scores are advisory.
    ///
    /// - Throws: ``EngineError``, journaled, for every refusal.
    public func identify(_ message: [UInt8], tier tierName: String) async throws -> Decision {
        try await offloaded { try self.identifySynchronously(message, tier: tierName) }
    }

    func identifySynchronously(_ message: [UInt8], tier tierName: String) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(named: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .identify, subjectID: nil)
        }
        return try identify(message, tier: tier, payment: nil)
    }

    /// Identifies a probe that authorises `payment` ("pay with your face"): bound as for
    /// ``verify(_:claimedSubject:payment:tier:)``, at the amount's risk tier or a stricter one.
    ///
    /// - Throws: ``EngineError``, journaled: a refusal (`paymentMismatch`, `tierTooWeak`, `galleryTooLarge`, `ambiguousIdentification`, replay, liveness, …) or `integrityFailure`.
    public func identify(_ message: [UInt8], payment: PaymentContext, tier tierName: String? = nil) async throws -> Decision {
        try await offloaded { try self.identifySynchronously(message, payment: payment, tier: tierName) }
    }

    func identifySynchronously(_ message: [UInt8], payment: PaymentContext, tier tierName: String? = nil) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(for: payment, requested: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .identify, subjectID: nil)
        }
        return try identify(message, tier: tier, payment: payment)
    }

    private func identify(_ message: [UInt8], tier: RiskTier, payment: PaymentContext?) throws -> Decision {
        let request = try admit(message, for: .identify, subjectID: nil, payment: payment)
        do {
            let acquired = try acquire(request.objects, for: .identify, checks: requiredChecks(tier))
            let challenge = try challengeScore(request.objects, transaction: request.transaction)
            let liveness = try checkLiveness(engine: acquired.engineScores + (challenge.map { [$0] } ?? []),
                                             advisory: try Self.framedLivenessScores(request.objects) ?? [],
                                             tier: tier, modalities: acquired.modalities)
            try checkProbeQuality(acquired.templates)
            guard acquired.templates.count == 1, let probe = acquired.templates.first else {
                throw EngineError(.unsupportedOperation, "identification takes exactly one face or one finger, not \(acquired.templates.count) samples")
            }
            let partition = try Self.partition(of: request.objects)
            return try decideIdentification(probe, partition: partition, tier: tier, liveness: liveness, protection: request.protection.form,
                                            transaction: request.transaction, payment: payment)
        } catch let error as EngineError where error.auditSequence == nil {
            throw journalRefusal(error, operation: .identify, subjectID: nil, transaction: request.transaction)
        }
    }

    /// The partition the request's objects name (all the same, or none).
    static func partition(of objects: [BiometricObject]) throws -> String? {
        let named = Set(objects.map(\.header.partition))
        guard named.count == 1, let partition = named.first else {
            throw EngineError(.unsupportedObject, "the objects of one request name different partitions")
        }
        return partition
    }

    func decideIdentification(_ probe: ProbeTemplate, partition: String?, tier: RiskTier, liveness: LivenessResult?, protection: String,
                              transaction: BiometricTransaction?, payment: PaymentContext?) throws -> Decision {
        let modality: Modality = probe.modality == "face" ? .face : .finger
        guard let normalizer = modality == .face ? faceNormalizer : fingerNormalizer else {
            throw EngineError(.unsupportedOperation, "this engine has no face comparator configured")
        }
        let galleries = try synchronizedGalleries()
        let size = galleries.size(modality, partition: partition)
        guard size.references > 0 else {
            throw EngineError(.noActiveReference, partition.map { "partition \($0) holds no active \(modality.rawValue) reference" }
                              ?? "the store holds no active \(modality.rawValue) reference to search")
        }
        let perComparison = tier.fmrTarget.rate / Double(size.references)
        guard normalizer.isCalibrated(atRate: perComparison) else {
            let strictest = normalizer.points.last?.rate ?? 0
            throw EngineError(.galleryTooLarge, String(format: "a search of %d %@ references at FPIR %@ needs a per-comparison FMR of %.1e, beyond the %@ matcher's calibration (strictest %.0e); search within a partition of at most %d references (the probe's header names it), or lower the tier",
                                                       size.references, modality.rawValue, tier.fmrTarget.key, perComparison, modality.rawValue,
                                                       strictest, Int(tier.fmrTarget.rate / strictest)))
        }
        let threshold = normalizer.threshold(forRate: perComparison)
        let source = Self.calibrationSource(normalizer, rate: perComparison, modality: modality)

        // The best subjects, each checked against the store: a reference revoked, deleted or
        // expired behind the gallery's back is dropped from it and never answers.
        let hits: [GalleryHit]
        switch probe {
        case .face(let t): hits = try galleries.searchFaces(t.values, partition: partition, k: 32)
        case .finger(let t, _, _): hits = galleries.searchFingers(fingerMatcher.prepare(t), partition: partition, k: 32)
        }
        var subjects: [GalleryHit] = []
        for hit in hits where !subjects.contains(where: { $0.entry.subjectID == hit.entry.subjectID }) {
            guard try isCurrent(hit.entry) else { continue }
            subjects.append(hit)
            if subjects.count == 2 { break }
        }
        let best = subjects.first, runnerUp = subjects.count > 1 ? subjects[1] : nil
        var reasons = [String(format: "%d %@ references (%d subjects)%@: FPIR %@ needs per-comparison FMR %.1e; threshold %.4f from %@",
                              size.references, modality.rawValue, size.subjects, partition.map { " in partition \($0)" } ?? "",
                              tier.fmrTarget.key, perComparison, threshold, source)]
        if let best, best.score >= threshold, let runnerUp {
            let gap = normalizer.evidence(best.score) - normalizer.evidence(runnerUp.score)
            if runnerUp.score >= threshold || gap < configuration.identificationMargin {
                throw EngineError(.ambiguousIdentification, String(format: "subjects %@ (%.4f) and %@ (%.4f) both match or lie within %.1f decades of FMR evidence of each other; an ambiguous search is refused, not resolved by rank",
                                                                    best.entry.subjectID, best.score, runnerUp.entry.subjectID, runnerUp.score,
                                                                    configuration.identificationMargin))
            }
        }
        let isMatch = (best?.score ?? -.infinity) >= threshold
        let candidate = isMatch ? best : nil
        reasons.append(isMatch ? String(format: "best subject %.4f ≥ threshold %.4f", best?.score ?? 0, threshold)
                               : String(format: "no subject reaches the threshold %.4f (best %.4f)", threshold, best?.score ?? -1))
        let summary = IdentificationSummary(gallerySize: size.references, gallerySubjects: size.subjects, partition: partition,
                                            perComparisonFmr: perComparison, expectedFpir: perComparison * Double(size.references),
                                            thresholdSource: source, runnerUpScore: runnerUp?.score)
        let tx = transaction?.idHex
        let detail = "tier=\(tier.name) fpir=\(tier.fmrTarget.key) modality=\(modality.rawValue) gallery=\(size.references)"
            + (partition.map { " partition=\($0)" } ?? "") + String(format: " per-comparison=%.1e", perComparison)
            + (best.map { " best=\(Self.format($0.score))" } ?? "") + " threshold=\(Self.format(threshold))"
            + (payment.map { " payment=\($0.amount)\($0.currency) digest=\(Self.hexPrefix($0.digest))" } ?? "")
            + " protection=\(protection)" + (tx.map { " tx=\($0)" } ?? "")
        let seq = try journal(.identify, subjectID: candidate?.entry.subjectID, referenceID: candidate?.entry.referenceID,
                              outcome: isMatch ? "match" : "no-match", detail: detail, transaction: transaction)
        return Decision(outcome: isMatch ? .match : .noMatch, operation: .identify, subjectID: candidate?.entry.subjectID,
                        score: best?.score ?? -1, fmrTarget: tier.fmrTarget, threshold: threshold,
                        rule: modality == .face ? .face : .finger, tier: tier.name,
                        modalityScores: best.map { [ModalityScore(modality: modality, fingerPosition: nil, score: $0.score,
                                                                  comparisons: size.references,
                                                                  evidence: Self.bestOf(size.references, evidence: normalizer.evidence($0.score)),
                                                                  referenceID: $0.entry.referenceID)] } ?? [],
                        candidates: candidate.map { [IdentificationCandidate(subjectID: $0.entry.subjectID, referenceID: $0.entry.referenceID, score: $0.score)] } ?? [],
                        liveness: liveness, payment: payment, identification: summary, transactionID: tx, protection: protection,
                        reasons: reasons, auditSequence: seq)
    }

    /// Where a threshold at `rate` comes from, for the decision and the journal.
    static func calibrationSource(_ normalizer: ScoreNormalizer, rate: Double, modality: Modality) -> String {
        let exact = normalizer.points.contains { abs($0.rate - rate) <= rate * 1e-9 }
        return "the \(modality.rawValue) matcher's impostor calibration" + (exact ? "" : String(format: ", interpolated in log FMR between its measured points (%.0e…%.0e)",
                                                                                                 normalizer.points.first?.rate ?? 0, normalizer.points.last?.rate ?? 0))
    }

    /// Whether a gallery entry may still answer: within its validity, and active in the store
    /// with its subject (read and authenticated now). A stale entry leaves the gallery.
    func isCurrent(_ entry: GalleryEntry) throws -> Bool {
        let now = Self.milliseconds(clock())
        let active: Bool
        do {
            active = try store.activeTemplates(subjectID: entry.subjectID, modality: entry.modality, at: now)
                .contains { $0.info.id == entry.referenceID }
        } catch StoreError.Code.notFound {
            active = false
        } catch StoreError.Code.revoked {
            active = false
        } catch {
            throw EngineError(.store, "candidate \(entry.referenceID) could not be checked against the store: \(error)")
        }
        if !active || !entry.validity.contains(now) {
            if !active { identificationGalleries.withLock { $0?.remove(referenceID: entry.referenceID) } }
            return false
        }
        return true
    }

    /// Loads the galleries on first use, applies the store's change feed (every enrollment,
    /// revocation and deletion made by any process or node since the last search), and
    /// returns a snapshot to search: searches scan their snapshots side by side while the
    /// feed is applied to the shared galleries.
    func synchronizedGalleries() throws -> IdentificationGalleries {
        do {
            try loadGalleriesIfNeeded()
            while true {
                guard let applied = identificationGalleries.withLock({ $0?.appliedChange }) else { break }
                let changes = try store.changes(after: applied, limit: 10_000)
                guard let last = changes.last else { break }
                try identificationGalleries.withLock { galleries in
                    // Another request may have applied the same changes meanwhile.
                    guard galleries?.appliedChange == applied else { return }
                    for change in changes { try apply(change, to: &galleries!) }
                    galleries?.appliedChange = last.seq
                }
            }
            guard let snapshot = identificationGalleries.withLock({ $0 }) else {
                throw EngineError(.store, "the galleries are not loaded")
            }
            return snapshot
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.store, "the galleries could not follow the store: \(error)")
        }
    }

    /// Loads the galleries from the store, once (concurrent first searches wait for one load).
    private func loadGalleriesIfNeeded() throws {
        guard identificationGalleries.withLock({ $0 == nil }) else { return }
        gallerySynchronization.lock()
        defer { gallerySynchronization.unlock() }
        guard identificationGalleries.withLock({ $0 == nil }) else { return }
        var galleries = IdentificationGalleries(faceModelID: faceComparator?.modelID, matcher: fingerMatcher)
        // The feed position first: a change made during the load is applied again after it.
        galleries.appliedChange = try store.changeSequence()
        let faceModelID = faceComparator?.modelID
        for modality in [Modality.face, .finger] {
            // Decoding runs on every core inside the load; the galleries take each window whole.
            let report = try store.loadTemplates(modality: modality, at: nil,
                                                 decode: { try IdentificationGalleries.decode($0, faceModelID: faceModelID) }) { batch in
                try galleries.put(batch.map { ($0.info, $0.value) })
            }
            // Unreadable references cannot match (they are left out); an operator must know.
            for id in report.decodeFailures + report.integrityFailures {
                logger.error("a reference could not be read into the gallery; left out", metadata: ["reference": "\(id)"])
            }
        }
        identificationGalleries.withLock { $0 = galleries }
    }

    private func apply(_ change: ReferenceChange, to galleries: inout IdentificationGalleries) throws {
        let ids: [String]
        if let referenceID = change.referenceID {
            galleries.remove(referenceID: referenceID)
            ids = [referenceID]
        } else {
            galleries.remove(subjectID: change.subjectID)
            do { ids = try store.references(subjectID: change.subjectID).map(\.id) } catch StoreError.Code.notFound { return }
        }
        for id in ids {
            let stored: StoredTemplate
            do { stored = try store.template(id) } catch StoreError.Code.notFound { continue }
            if stored.info.status == .active { try galleries.put(stored) }
        }
    }
}
