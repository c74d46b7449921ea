import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import Foundation
import Logging

extension Engine {
    /// Verifies a framed probe (face and/or fingers) against a claimed subject at the
    /// FMR target of the named risk tier.
    ///
    /// The probe must be a `verify` object, integrity-protected and encrypted (unless the
    /// configuration relaxes that), within its validity period, fresh, never seen before,
    /// above the probe quality floor, and carry in its headers the presentation-attack scores
    /// of the checks the tier requires (``BiometricHeader/presentationAttackScores``: inside the
    /// integrity protection, bound to the capture). The engine decides those scores at the
    /// tier's APCER target with its own calibration.
    ///
    /// - Returns: a ``Decision`` citing its audit entry.
    /// - Throws: ``EngineError``, journaled, for every refusal (see ``EngineError/Code``).
    public func verify(_ message: [UInt8], claimedSubject subjectID: String, tier tierName: String) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(named: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
        let request = try admit(message, for: .verify, subjectID: subjectID)
        return try decideVerification(request.objects, subjectID: subjectID, tier: tier, liveness: nil,
                                      protection: request.protection.form, transaction: request.transaction)
    }

    /// Verifies a payment: the tier is the one `amount` (minor units) falls in.
    public func verify(_ message: [UInt8], claimedSubject subjectID: String, amount: Int64) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(forAmount: amount) } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
        return try verify(message, claimedSubject: subjectID, tier: tier.name)
    }

    /// Verifies a raw face image on a trusted local path (no framing: an operator console,
    /// a test). Capture quality, liveness and calibration apply as for framed probes; without
    /// a `liveness` result, the engine's ``LivenessAssessor`` (if it has one) scores the image.
    public func verify(faceImage bytes: [UInt8], claimedSubject subjectID: String, tier tierName: String,
                       liveness: LivenessResult? = nil) throws -> Decision {
        do {
            let tier = try configuration.tier(named: tierName)
            let (image, capture) = try captureFace(bytes)
            var scores = liveness?.checks.map { LivenessScore(check: $0.check, score: $0.score, detail: $0.detail) }
            if scores == nil, let assessor = livenessAssessor {
                // Passive PAD on the face the capture already found (no second decode or
                // detection); without a passive model there is no evidence, not a failed check.
                do {
                    scores = try assessor.passiveScore(image, face: capture.face).map { [$0] }
                } catch {
                    throw EngineError(.captureFailed, "the probe's liveness could not be scored: \(error)")
                }
            }
            let object = BiometricObject.face(capture.template, purpose: .verify)
            return try decideVerification([object], subjectID: subjectID, tier: tier, liveness: scores, protection: "raw-local", transaction: nil)
        } catch let error as EngineError where error.auditSequence == nil {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
    }

    /// `liveness`: scores from a trusted local path; nil to read them from the objects' headers.
    func decideVerification(_ objects: [BiometricObject], subjectID: String, tier: RiskTier, liveness: [LivenessScore]?,
                            protection: String, transaction: BiometricTransaction?) throws -> Decision {
        let scores: [ModalityScore]
        let (score, threshold, rule, reasons): (Double, Double, String, [String])
        let livenessDecision: LivenessResult?
        do {
            let templates = try ProbeTemplate.decodeAll(objects)
            livenessDecision = try checkLiveness(try liveness ?? livenessScores(objects, transaction: transaction), tier: tier,
                                                 modalities: Set(templates.map(\.modality)))
            try checkProbeQuality(templates)
            scores = try compare(templates, subjectID: subjectID)
            (score, threshold, rule, reasons) = try decisionScore(scores, target: tier.fmrTarget)
        } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
        let isMatch = score >= threshold
        let best = scores.max { $0.evidence < $1.evidence }
        let tx = transaction?.idHex
        let detail = "tier=\(tier.name) fmr=\(tier.fmrTarget.key) rule=\(rule) score=\(Self.format(score)) threshold=\(Self.format(threshold))"
            + (livenessDecision.map { " liveness=\(Self.format($0.fusedScore))@apcer\($0.targetAPCER)" } ?? "") + " protection=\(protection)" + (tx.map { " tx=\($0)" } ?? "")
        let seq = try journal(.verify, subjectID: subjectID, referenceID: best?.referenceID, outcome: isMatch ? "match" : "no-match", detail: detail)
        logger.info("verified", metadata: ["outcome": "\(isMatch ? "match" : "no-match")", "tier": "\(tier.name)", "audit": "\(seq)"])
        return Decision(outcome: isMatch ? "match" : "no-match", operation: "verify", subjectID: subjectID, score: score,
                        fmrTarget: tier.fmrTarget.key, threshold: threshold, rule: rule, tier: tier.name, modalityScores: scores,
                        candidates: [], liveness: livenessDecision, transactionID: tx, protection: protection,
                        reasons: reasons + [isMatch ? "score \(Self.format(score)) ≥ threshold \(Self.format(threshold)) at FMR \(tier.fmrTarget.key)"
                                                    : "score \(Self.format(score)) < threshold \(Self.format(threshold)) at FMR \(tier.fmrTarget.key)"],
                        auditSequence: seq)
    }

    /// Writes a decision's journal entry; a journal that cannot be written stops the decision.
    func journal(_ action: AuditAction, subjectID: String?, referenceID: String?, outcome: String, detail: String) throws -> Int64 {
        do {
            return try store.recordMatch(action, subjectID: subjectID, referenceID: referenceID, outcome: outcome, detail: detail)
        } catch {
            throw EngineError(.store, "the decision could not be journaled, so it is withheld: \(error)")
        }
    }

    /// The presentation-attack scores the objects' headers carry; nil when none carries any.
    ///
    /// - Throws: ``EngineError`` `unsupportedObject` for a check this engine does not know.
    static func framedLivenessScores(_ objects: [BiometricObject]) throws -> [LivenessScore]? {
        let carried = objects.compactMap(\.header.presentationAttackScores)
        guard !carried.isEmpty else { return nil }
        return try carried.joined().map { s in
            guard let check = LivenessCheck(rawValue: s.check) else {
                throw EngineError(.unsupportedObject, "the probe carries a score of an unknown presentation-attack check \"\(s.check)\"; known: "
                                  + LivenessCheck.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return LivenessScore(check: check, score: s.score)
        }
    }

    /// Decides the presentation-attack scores at the tier's APCER target with the engine's
    /// calibration; refuses when a required check (for the probe's modalities) did not run
    /// or any check failed.
    func checkLiveness(_ scores: [LivenessScore]?, tier: RiskTier, modalities: Set<String>) throws -> LivenessResult? {
        let required = (tier.liveness?.checks ?? []).filter { modalities.contains($0.modality) }
        guard let scores else {
            guard required.isEmpty else {
                throw EngineError(.livenessRequired, "risk tier \(tier.name) requires liveness checks (\(required.sorted().map(\.rawValue).joined(separator: ", "))); the probe carries none")
            }
            return nil
        }
        let target = tier.liveness?.targetAPCER ?? configuration.defaultTargetAPCER
        let decided = configuration.livenessCalibration.decide(scores, targetAPCER: target)
        let missing = required.subtracting(decided.checksRun)
        guard missing.isEmpty else {
            throw EngineError(.livenessRequired, "risk tier \(tier.name) requires \(missing.sorted().map(\.rawValue).joined(separator: ", ")), which did not run")
        }
        guard decided.isBonaFide else {
            let failed = decided.checks.filter { !$0.passed }.map {
                "\($0.check.rawValue) \(Self.format($0.score)) < \(Self.format($0.threshold))" + ($0.detail.isEmpty ? "" : " (\($0.detail))")
            }
            throw EngineError(.livenessFailed, "presentation attack suspected at APCER \(target) (tier \(tier.name)): " + (failed.isEmpty ? decided.reasons.joined(separator: "; ") : failed.joined(separator: ", ")))
        }
        return decided
    }

    func checkProbeQuality(_ templates: [ProbeTemplate]) throws {
        for template in templates {
            let quality: Int
            switch template {
            case .face(let t): quality = t.quality
            case .finger(let t, _, _): quality = t.quality
            }
            guard quality >= configuration.probeQualityFloor else {
                throw EngineError(.qualityTooLow, "the \(template.modality) probe has quality \(quality), under the probe floor \(configuration.probeQualityFloor)")
            }
        }
    }

    /// Scores each probe template against the subject's active references of its modality.
    func compare(_ templates: [ProbeTemplate], subjectID: String) throws -> [ModalityScore] {
        guard !templates.isEmpty else { throw EngineError(.unsupportedObject, "the request carries no template") }
        var scores: [ModalityScore] = []
        let faces = templates.compactMap { if case .face(let t) = $0 { t } else { nil } }
        let fingers = templates.compactMap { if case .finger(let t, let p, _) = $0 { (t, p) } else { nil } }
        if !faces.isEmpty {
            guard let comparator = faceComparator, let normalizer = faceNormalizer else {
                throw EngineError(.unsupportedOperation, "this engine has no face comparator configured")
            }
            let references = try activeReferences(subjectID, .face)
            var best: (Double, String)?
            for probe in faces {
                for reference in references {
                    guard let template = try? FaceTemplate(serialized: reference.template),
                          template.modelID == probe.modelID, template.modelVersion == probe.modelVersion,
                          let score = try? comparator.score(probe, template) else { continue }
                    if best == nil || Double(score) > best?.0 ?? -.infinity { best = (Double(score), reference.info.id) }
                }
            }
            guard let best else {
                throw EngineError(.incompatibleTemplate, "no face reference of subject \(subjectID) comes from the probe's model \(faces[0].modelID) \(faces[0].modelVersion)")
            }
            scores.append(ModalityScore(modality: "face", fingerPosition: nil, score: best.0, evidence: normalizer.evidence(best.0), referenceID: best.1))
        }
        if !fingers.isEmpty {
            let references = try activeReferences(subjectID, .finger)
            let prepared: [(PreparedFingerprint, Int, String)] = references.compactMap { reference in
                guard let record = try? FingerMinutiaeRecord(bytes: reference.template), let template = try? FingerprintTemplate(record: record) else { return nil }
                return (fingerMatcher.prepare(template), reference.info.fingerPosition, reference.info.id)
            }
            // One score per finger position: impressions of one finger are not independent.
            var byPosition: [Int: (Double, String)] = [:]
            for (template, position) in fingers {
                let probe = fingerMatcher.prepare(template)
                for (reference, refPosition, id) in prepared where position == 0 || refPosition == 0 || position == refPosition {
                    let s = fingerMatcher.similarity(probe, reference)
                    if s > byPosition[position]?.0 ?? -.infinity { byPosition[position] = (s, id) }
                }
            }
            guard !byPosition.isEmpty else {
                throw EngineError(.noActiveReference, "subject \(subjectID) has no active finger reference at the probe's finger positions \(fingers.map(\.1))")
            }
            for (position, best) in byPosition.sorted(by: { $0.key < $1.key }) {
                scores.append(ModalityScore(modality: "finger", fingerPosition: position, score: best.0,
                                            evidence: fingerNormalizer.evidence(best.0), referenceID: best.1))
            }
        }
        return scores
    }

    func activeReferences(_ subjectID: String, _ modality: Modality) throws -> [StoredTemplate] {
        let references: [StoredTemplate]
        do {
            references = try store.activeTemplates(subjectID: subjectID, modality: modality, at: Self.milliseconds(clock()))
        } catch StoreError.Code.notFound {
            throw EngineError(.unknownSubject, "subject \(subjectID) is not enrolled")
        } catch StoreError.Code.revoked {
            throw EngineError(.noActiveReference, "subject \(subjectID) is revoked")
        } catch {
            throw EngineError(.store, "the references of subject \(subjectID) could not be read: \(error)")
        }
        guard !references.isEmpty else {
            throw EngineError(.noActiveReference, "subject \(subjectID) has no active, currently valid \(modality.rawValue) reference (revoked or expired)")
        }
        return references
    }

    /// The decision score and threshold: the matcher's own calibrated threshold for a single
    /// comparison; Fisher fusion of the evidences against −log10(target) for several.
    func decisionScore(_ scores: [ModalityScore], target: FMRTarget) throws -> (Double, Double, String, [String]) {
        if scores.count == 1, let only = scores.first {
            if only.modality == "face", let comparator = faceComparator {
                do {
                    return (only.score, Double(try comparator.threshold(for: target)), "face", [])
                } catch {
                    throw EngineError(.unsupportedOperation, "\(error)")
                }
            }
            guard let calibrated = FingerprintMatcher.calibration.first(where: { $0.label == target.key }) else {
                throw EngineError(.unsupportedOperation, "the finger matcher is not calibrated at FMR \(target.key) (calibrated: \(FingerprintMatcher.calibration.map(\.label).joined(separator: ", "))); add a face or another finger")
            }
            return (only.score, calibrated.threshold, "finger", [])
        }
        let fused = ScoreFusion.fusedEvidence(scores.map(\.evidence))
        let parts = scores.map { "\($0.modality)\($0.fingerPosition.map { "#\($0)" } ?? "") evidence \(Self.format($0.evidence))" }
        return (fused, -log10(target.rate), "fused", ["fused \(scores.count) comparisons by Fisher's method: " + parts.joined(separator: ", ")])
    }

    /// Decodes a raw face image and captures its face (the decoded frame is kept for PAD).
    func captureFace(_ bytes: [UInt8]) throws -> (image: DecodedImage, capture: FaceCapture) {
        guard let pipeline = facePipeline else {
            throw EngineError(.unsupportedOperation, "this engine has no face pipeline configured for raw images")
        }
        do {
            let image = try DecodedImage(bytes: bytes, name: "probe")
            return (image, try pipeline.capture(in: image))
        } catch {
            throw EngineError(.captureFailed, "no usable face: \(error)")
        }
    }
}
