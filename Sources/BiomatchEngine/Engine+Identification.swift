import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchKernels
import BiomatchLiveness
import BiomatchStore
import Foundation

extension Engine {
    /// Identifies a framed face probe against every active face reference (open-set 1:N).
    ///
    /// Open-set: with *N* references the chance that some impostor clears a per-comparison
    /// threshold is about *N* × FMR, so the engine uses the threshold of the loosest
    /// calibrated target whose rate is at most the tier's target divided by *N*, and says in
    /// the reasons when no calibrated target is strict enough.
    ///
    /// Liveness is decided as for ``verify(_:claimedSubject:tier:)``: the engine runs the
    /// tier's checks on the capture the probe carries; a terminal's scores are advisory.
    ///
    /// - Throws: ``EngineError``, journaled, for every refusal.
    public func identify(_ message: [UInt8], tier tierName: String) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(named: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .identify, subjectID: nil)
        }
        return try identify(message, tier: tier, payment: nil)
    }

    /// Identifies a probe that authorises `payment` ("pay with your face"): bound as for
    /// ``verify(_:claimedSubject:payment:tier:)``, at the amount's risk tier or a stricter one.
    public func identify(_ message: [UInt8], payment: PaymentContext, tier tierName: String? = nil) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(for: payment, requested: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .identify, subjectID: nil)
        }
        return try identify(message, tier: tier, payment: payment)
    }

    private func identify(_ message: [UInt8], tier: RiskTier, payment: PaymentContext?) throws -> Decision {
        let request = try admit(message, for: .identify, subjectID: nil, payment: payment)
        let livenessDecision: LivenessResult?
        let probe: FaceTemplate
        do {
            let acquired = try acquire(request.objects, for: .identify, checks: requiredChecks(tier))
            let challenge = try challengeScore(request.objects, transaction: request.transaction)
            livenessDecision = try checkLiveness(engine: acquired.engineScores + (challenge.map { [$0] } ?? []),
                                                 advisory: try Self.framedLivenessScores(request.objects) ?? [],
                                                 tier: tier, modalities: acquired.modalities)
            try checkProbeQuality(acquired.templates)
            guard acquired.templates.count == 1, case .face(let face)? = acquired.templates.first else {
                throw EngineError(.unsupportedOperation, "identification takes exactly one face (finger 1:N is `biomatch finger` territory for now)")
            }
            probe = face
        } catch let error as EngineError {
            throw journalRefusal(error, operation: .identify, subjectID: nil)
        }
        return try decideIdentification(probe, tier: tier, liveness: livenessDecision, protection: request.protection.form,
                                        transaction: request.transaction, payment: payment)
    }

    func decideIdentification(_ probe: FaceTemplate, tier: RiskTier, liveness: LivenessResult?, protection: String,
                              transaction: BiometricTransaction?, payment: PaymentContext?) throws -> Decision {
        guard let comparator = faceComparator else {
            throw journalRefusal(EngineError(.unsupportedOperation, "this engine has no face comparator configured"), operation: .identify, subjectID: nil)
        }
        let index: FaceGalleryIndex
        do {
            index = try loadedFaceGallery(modelID: comparator.modelID, dimension: probe.dimension)
        } catch let error as EngineError {
            throw journalRefusal(error, operation: .identify, subjectID: nil)
        }
        let n = max(1, index.count)
        let perComparison = tier.fmrTarget.rate / Double(n)
        let calibrated = comparator.calibration.thresholds.compactMap { key, value in FMRTarget(key).map { ($0, Double(value)) } }
            .sorted { $0.0.rate > $1.0.rate }
        var reasons: [String] = []
        guard let strictest = calibrated.last else {
            throw journalRefusal(EngineError(.unsupportedOperation, "the face comparator has no calibrated threshold"), operation: .identify, subjectID: nil)
        }
        let chosen = calibrated.first { $0.0.rate <= perComparison * 1.000001 } ?? strictest
        if chosen.0.rate > perComparison {
            reasons.append("gallery of \(n): the tier's FPIR \(tier.fmrTarget.key) needs per-comparison FMR \(String(format: "%.1e", perComparison)); the strictest calibrated is \(chosen.0.key), so the expected FPIR is about \(String(format: "%.1e", chosen.0.rate * Double(n)))")
        } else {
            reasons.append("gallery of \(n): per-comparison threshold at FMR \(chosen.0.key) keeps the expected FPIR ≤ \(tier.fmrTarget.key)")
        }
        var candidates: [IdentificationCandidate] = []
        if index.count > 0 {
            do {
                for hit in try index.gallery.search(probe.values, k: configuration.maximumCandidates) where Double(hit.score) >= chosen.1 {
                    if let ref = index.references[hit.id] {
                        candidates.append(IdentificationCandidate(subjectID: ref.subjectID, referenceID: ref.referenceID, score: Double(hit.score)))
                    }
                }
            } catch {
                throw journalRefusal(EngineError(.unsupportedOperation, "the gallery search failed: \(error)"), operation: .identify, subjectID: nil)
            }
        }
        let best = candidates.first
        let isMatch = best != nil
        let tx = transaction?.idHex
        let detail = "tier=\(tier.name) fpir=\(tier.fmrTarget.key) per-comparison=\(chosen.0.key) gallery=\(n) candidates=\(candidates.count)"
            + (best.map { " best=\(Self.format($0.score))" } ?? "")
            + (payment.map { " payment=\($0.amount)\($0.currency) digest=\(Self.hexPrefix($0.digest))" } ?? "")
            + " protection=\(protection)" + (tx.map { " tx=\($0)" } ?? "")
        let seq = try journal(.identify, subjectID: best?.subjectID, referenceID: best?.referenceID, outcome: isMatch ? "match" : "no-match", detail: detail)
        return Decision(outcome: isMatch ? "match" : "no-match", operation: "identify", subjectID: best?.subjectID,
                        score: best?.score ?? -1, fmrTarget: chosen.0.key, threshold: chosen.1, rule: "face", tier: tier.name,
                        modalityScores: best.map { [ModalityScore(modality: "face", fingerPosition: nil, score: $0.score, comparisons: n,
                                                                  evidence: Self.bestOf(n, evidence: faceNormalizer?.evidence($0.score) ?? 0),
                                                                  referenceID: $0.referenceID)] } ?? [],
                        candidates: candidates, liveness: liveness, payment: payment, transactionID: tx, protection: protection,
                        reasons: reasons, auditSequence: seq)
    }

    /// The face gallery, loaded from the store on first use and kept current by enroll and revoke.
    func loadedFaceGallery(modelID: String, dimension: Int) throws -> FaceGalleryIndex {
        if let faceGallery { return faceGallery }
        let index: FaceGalleryIndex
        do {
            index = try FaceGalleryIndex.load(from: store, modelID: modelID, at: Self.milliseconds(clock())) ?? FaceGalleryIndex(dimension: dimension)
        } catch {
            throw EngineError(.store, "the face gallery could not be loaded: \(error)")
        }
        faceGallery = index
        return index
    }
}
