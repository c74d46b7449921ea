import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness
import BiomatchStore
import BiomatchSupport
import Foundation
import Logging

extension Engine {
    /// Verifies a framed probe (face and/or fingers) against a claimed subject at the
    /// FMR target of the named risk tier, outside any payment (a probe bound to a payment is
    /// refused here: present it with ``verify(_:claimedSubject:payment:tier:)``).
    ///
    /// The probe must be a `verify` object, integrity-protected and encrypted (unless the
    /// configuration relaxes that), within its validity period, fresh, never seen before and
    /// above the probe quality floor. Where the tier requires liveness checks, the probe
    /// carries the capture itself (an ISO/IEC 19794-5 face or 19794-4 finger image record)
    /// and the engine runs them; a terminal's scores (``BiometricHeader/presentationAttackScores``)
    /// are advisory: they can refuse a probe, never admit one.
    ///
    /// - Returns: a ``Decision`` citing its audit entry.
    /// - Throws: ``EngineError``, journaled, for every refusal (see ``EngineError/Code``).
    public func verify(_ message: [UInt8], claimedSubject subjectID: String, tier tierName: String) async throws -> Decision {
        try await offloaded { try self.verifySynchronously(message, claimedSubject: subjectID, tier: tierName) }
    }

    func verifySynchronously(_ message: [UInt8], claimedSubject subjectID: String, tier tierName: String) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(named: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
        let request = try admit(message, for: .verify, subjectID: subjectID, payment: nil)
        return try decideFramedVerification(request, subjectID: subjectID, tier: tier, payment: nil)
    }

    /// Verifies a probe that authorises `payment` (dynamic linking): the probe must carry
    /// that payment's digest under its MAC or signature, and the risk tier is the one the
    /// amount falls in, or `tier` when that is stricter (a weaker one is refused).
    ///
    /// - Throws: ``EngineError``, journaled: `paymentMismatch` for a probe bound to another
    ///   payment or to none, `tierTooWeak`, and every refusal of ``verify(_:claimedSubject:tier:)``.
    public func verify(_ message: [UInt8], claimedSubject subjectID: String, payment: PaymentContext, tier tierName: String? = nil) async throws -> Decision {
        try await offloaded { try self.verifySynchronously(message, claimedSubject: subjectID, payment: payment, tier: tierName) }
    }

    func verifySynchronously(_ message: [UInt8], claimedSubject subjectID: String, payment: PaymentContext, tier tierName: String? = nil) throws -> Decision {
        let tier: RiskTier
        do { tier = try configuration.tier(for: payment, requested: tierName) } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
        let request = try admit(message, for: .verify, subjectID: subjectID, payment: payment)
        return try decideFramedVerification(request, subjectID: subjectID, tier: tier, payment: payment)
    }

    /// Verifies a raw face image on a trusted local path (no framing: an operator console,
    /// a test). Capture quality, liveness and calibration apply as for framed probes: the
    /// engine runs the checks the tier requires on the image itself; `liveness` (scores from
    /// the console's own sensors) is advisory, as a terminal's.
    ///
    /// - Throws: ``EngineError``, journaled: `unknownTier`, an unusable image, `livenessRequired`, no active reference, or a store error.
    public func verify(faceImage bytes: [UInt8], claimedSubject subjectID: String, tier tierName: String,
                       liveness: LivenessResult? = nil) async throws -> Decision {
        try await offloaded { try self.verifySynchronously(faceImage: bytes, claimedSubject: subjectID, tier: tierName, liveness: liveness) }
    }

    func verifySynchronously(faceImage bytes: [UInt8], claimedSubject subjectID: String, tier tierName: String,
                             liveness: LivenessResult? = nil) throws -> Decision {
        do {
            let tier = try configuration.tier(named: tierName)
            let (image, capture) = try captureFace(bytes)
            var engineScores: [LivenessScore] = []
            if requiredChecks(tier).contains(.passiveFace), let assessor = livenessAssessor {
                // Passive PAD on the face the capture already found (no second decode or detection).
                do {
                    if let score = try assessor.passiveScore(image, face: capture.face) { engineScores.append(score) }
                } catch {
                    throw EngineError(.captureFailed, "the probe's liveness could not be scored: \(error)")
                }
            }
            let advisory = (liveness?.checks ?? []).map { LivenessScore(check: $0.check, score: $0.score, detail: Self.advisoryDetail($0.detail)) }
            let templates: [ProbeTemplate] = [.face(capture.template)]
            let livenessDecision = try checkLiveness(engine: engineScores, advisory: advisory, tier: tier, modalities: ["face"])
            return try decideVerification(templates, subjectID: subjectID, tier: tier, liveness: livenessDecision,
                                          protection: "raw-local", transaction: nil, payment: nil)
        } catch let error as EngineError where error.auditSequence == nil {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID)
        }
    }

    /// The liveness checks of `tier` that the engine runs on captures (the active challenge
    /// it checks on the landmark track instead).
    func requiredChecks(_ tier: RiskTier) -> Set<LivenessCheck> {
        tier.liveness?.checks ?? []
    }

    /// Reads an admitted probe's samples, decides its liveness, then its match.
    func decideFramedVerification(_ request: AdmittedRequest, subjectID: String, tier: RiskTier, payment: PaymentContext?) throws -> Decision {
        let acquired: AcquiredSamples
        let livenessDecision: LivenessResult?
        do {
            acquired = try acquire(request.objects, for: .verify, checks: requiredChecks(tier))
            let challenge = try challengeScore(request.objects, transaction: request.transaction)
            livenessDecision = try checkLiveness(engine: acquired.engineScores + (challenge.map { [$0] } ?? []),
                                                 advisory: try Self.framedLivenessScores(request.objects) ?? [],
                                                 tier: tier, modalities: acquired.modalities)
        } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID, transaction: request.transaction)
        }
        return try decideVerification(acquired.templates, subjectID: subjectID, tier: tier, liveness: livenessDecision,
                                      protection: request.protection.form, transaction: request.transaction, payment: payment)
    }

    /// Compares the probe's templates with the subject's references and decides at the
    /// tier's FMR target; journals the decision.
    func decideVerification(_ templates: [ProbeTemplate], subjectID: String, tier: RiskTier, liveness livenessDecision: LivenessResult?,
                            protection: String, transaction: BiometricTransaction?, payment: PaymentContext?) throws -> Decision {
        let scores: [ModalityScore]
        let (score, threshold, rule, reasons): (Double, Double, DecisionRule, [String])
        do {
            try checkProbeQuality(templates)
            let compared = try compare(templates, subjectID: subjectID)
            scores = compared.scores
            let decided = try decisionScore(scores, target: tier.fmrTarget)
            (score, threshold, rule, reasons) = (decided.0, decided.1, decided.2, compared.notes + decided.3)
        } catch let error as EngineError {
            throw journalRefusal(error, operation: .verify, subjectID: subjectID, transaction: transaction)
        }
        let isMatch = score >= threshold
        let best = scores.max { $0.evidence < $1.evidence }
        let tx = transaction?.idHex
        let detail = "tier=\(tier.name) fmr=\(tier.fmrTarget.key) rule=\(rule) score=\(Self.format(score)) threshold=\(Self.format(threshold))"
            + " comparisons=\(scores.map { String($0.comparisons) }.joined(separator: "+"))"
            + (livenessDecision.map { " liveness=\(Self.format($0.fusedScore))@apcer\($0.targetAPCER)" } ?? "")
            + (payment.map { " payment=\($0.amount)\($0.currency) digest=\(Self.hexPrefix($0.digest))" } ?? "")
            + " protection=\(protection)" + (tx.map { " tx=\($0)" } ?? "")
        let seq = try journal(.verify, subjectID: subjectID, referenceID: best?.referenceID, outcome: isMatch ? "match" : "no-match", detail: detail,
                              transaction: transaction)
        logger.info("verified", metadata: ["outcome": "\(isMatch ? "match" : "no-match")", "tier": "\(tier.name)", "audit": "\(seq)"])
        return Decision(outcome: isMatch ? .match : .noMatch, operation: .verify, subjectID: subjectID, score: score,
                        fmrTarget: tier.fmrTarget, threshold: threshold, rule: rule, tier: tier.name, modalityScores: scores,
                        candidates: [], liveness: livenessDecision, payment: payment, identification: nil, transactionID: tx, protection: protection,
                        reasons: reasons + [isMatch ? "score \(Self.format(score)) ≥ threshold \(Self.format(threshold)) at FMR \(tier.fmrTarget.key)"
                                                    : "score \(Self.format(score)) < threshold \(Self.format(threshold)) at FMR \(tier.fmrTarget.key)"],
                        auditSequence: seq)
    }

    static func hexPrefix(_ bytes: [UInt8]) -> String {
        Hex.encode(bytes.prefix(8))
    }

    /// Writes a decision's journal entry, spending the probe's transaction id in the same
    /// write; a journal that cannot be written stops the decision, and a probe concluded
    /// meanwhile by another request (the same probe presented twice at once) is refused as
    /// a replay, journaled as such.
    func journal(_ action: AuditAction, subjectID: String?, referenceID: String?, outcome: String, detail: String,
                 transaction: BiometricTransaction? = nil) throws -> Int64 {
        let concluded: (sequence: Int64, fresh: Bool)
        let replay = transaction.map { "transaction \($0.idHex) was already presented; a probe is accepted once" } ?? ""
        do {
            guard let transaction else {
                return try store.recordMatch(action, subjectID: subjectID, referenceID: referenceID, outcome: outcome, detail: detail)
            }
            concluded = try store.recordConclusion(action, subjectID: subjectID, referenceID: referenceID, outcome: outcome, detail: detail,
                                                   transactionID: transaction.idHex, spentUntil: spentUntil(transaction),
                                                   now: Self.milliseconds(clock()),
                                                   ifAlreadySpent: ("refused:\(EngineError.Code.replayed)", replay))
        } catch {
            throw EngineError(.store, "the decision could not be journaled, so it is withheld: \(error)")
        }
        guard concluded.fresh else {
            var error = EngineError(.replayed, replay)
            error.auditSequence = concluded.sequence
            throw error
        }
        return concluded.sequence
    }

    /// The presentation-attack scores the terminal put in the objects' headers (advisory);
    /// nil when none carries any.
    ///
    /// - Throws: ``EngineError`` `unsupportedObject` for a check this engine does not know,
    ///   `livenessFailed` for a terminal's own active-challenge score (only the engine scores
    ///   challenges).
    static func framedLivenessScores(_ objects: [BiometricObject]) throws -> [LivenessScore]? {
        let carried = objects.compactMap(\.header.presentationAttackScores)
        guard !carried.isEmpty else { return nil }
        return try carried.joined().map { s in
            guard let check = LivenessCheck(rawValue: s.check) else {
                throw EngineError(.unsupportedObject, "the probe carries a score of an unknown presentation-attack check \"\(s.check)\"; known: "
                                  + LivenessCheck.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard check != .activeChallenge else {
                throw EngineError(.livenessFailed, "active-challenge scores are computed by the engine from a landmark track; a terminal's own is not accepted")
            }
            return LivenessScore(check: check, score: s.score, detail: advisoryDetail(""))
        }
    }

    static func advisoryDetail(_ detail: String) -> String {
        "reported by the terminal, advisory" + (detail.isEmpty ? "" : ": \(detail)")
    }

    /// Decides liveness at the tier's APCER target with the engine's calibration.
    ///
    /// Every check the tier requires for the probe's modalities must have been run by the
    /// engine itself (`engine`: on the captures and the challenge track). The terminal's
    /// `advisory` scores are decided with the rest, weakest score per check counting, so
    /// they can refuse a presentation but never stand in for the engine's own check.
    func checkLiveness(engine: [LivenessScore], advisory: [LivenessScore], tier: RiskTier, modalities: Set<String>) throws -> LivenessResult? {
        let required = (tier.liveness?.checks ?? []).filter { modalities.contains($0.modality) }
        let missing = required.subtracting(engine.map(\.check))
        guard missing.isEmpty else {
            let hints = missing.sorted().map { check -> String in
                switch check {
                case .passiveFace:
                    return livenessAssessor?.passiveFace == nil ? "passive-face (this engine has no passive face PAD model)"
                        : "passive-face (send the face as an ISO/IEC 19794-5 image record: the engine scores the capture itself)"
                case .fingerprint:
                    return livenessAssessor?.fingerprint == nil ? "fingerprint (this engine has no fingerprint PAD model)"
                        : "fingerprint (send each finger as an ISO/IEC 19794-4 image record: the engine scores the capture itself)"
                case .activeChallenge:
                    return "active-challenge (answer a challenge the engine issued with a landmark track)"
                default:
                    return check.rawValue
                }
            }
            let reported = Set(advisory.map(\.check)).intersection(missing)
            throw EngineError(.livenessRequired, "risk tier \(tier.name) requires liveness checks the engine did not run: " + hints.joined(separator: "; ")
                              + (reported.isEmpty ? "" : "; a terminal's own score is advisory and never enough"))
        }
        let scores = engine + advisory
        guard !scores.isEmpty else { return nil }
        let target = tier.liveness?.targetAPCER ?? configuration.defaultTargetAPCER
        let decided = livenessCalibration.decide(scores, targetAPCER: target)
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

    /// Scores the probe's templates against the subject's active references, one piece of
    /// evidence per distinct reference and per probe finger.
    ///
    /// - The face is compared with every face reference of its model; the best score counts
    ///   as a best-of-N (``ModalityScore/comparisons``).
    /// - Each finger is compared with the references at its position and those of unknown
    ///   position (all references when its own position is unknown). The references of one
    ///   position form one group, those of unknown position another, and each group serves
    ///   one probe finger at most: the strongest pairs are taken first. So one reference
    ///   never counts twice, and an unknown position never fans out.
    /// - Two probe fingers that match each other are one finger presented twice: refused.
    /// - A reference that cannot be read stops the decision (`unreadableReference`).
    func compare(_ templates: [ProbeTemplate], subjectID: String) throws -> (scores: [ModalityScore], notes: [String]) {
        guard !templates.isEmpty else { throw EngineError(.unsupportedObject, "the request carries no template") }
        var scores: [ModalityScore] = [], notes: [String] = []
        let faces = templates.compactMap { if case .face(let t) = $0 { t } else { nil } }
        let fingers = templates.compactMap { if case .finger(let t, let p, _) = $0 { (template: t, position: p) } else { nil } }
        if let probe = faces.first {
            scores.append(try compareFace(probe, subjectID: subjectID))
        }
        if !fingers.isEmpty {
            let (fingerScores, fingerNotes) = try compareFingers(fingers, subjectID: subjectID)
            scores += fingerScores
            notes += fingerNotes
        }
        return (scores, notes)
    }

    private func compareFace(_ probe: FaceTemplate, subjectID: String) throws -> ModalityScore {
        guard let comparator = faceComparator, let normalizer = faceNormalizer else {
            throw EngineError(.unsupportedOperation, "this engine has no face comparator configured")
        }
        var best: (score: Double, id: String)?
        var comparisons = 0
        for reference in try activeReferences(subjectID, .face) {
            let template: FaceTemplate
            do {
                template = try FaceTemplate(serialized: reference.template)
            } catch {
                throw EngineError(.unreadableReference, "face reference \(reference.info.id) of subject \(subjectID) cannot be read (\(error)); the decision is withheld: revoke the reference or enroll the subject again")
            }
            // References of another model (kept across a model upgrade) are not comparable.
            guard template.modelID == probe.modelID, template.modelVersion == probe.modelVersion else { continue }
            let score: Double
            do { score = Double(try comparator.score(probe, template)) } catch {
                throw EngineError(.unreadableReference, "face reference \(reference.info.id) of subject \(subjectID) cannot be compared: \(error)")
            }
            comparisons += 1
            if score > best?.score ?? -.infinity { best = (score, reference.info.id) }
        }
        guard let best else {
            throw EngineError(.incompatibleTemplate, "no face reference of subject \(subjectID) comes from the probe's model \(probe.modelID) \(probe.modelVersion)")
        }
        return ModalityScore(modality: .face, fingerPosition: nil, score: best.score, comparisons: comparisons,
                             evidence: Self.bestOf(comparisons, evidence: normalizer.evidence(best.score)), referenceID: best.id)
    }

    private func compareFingers(_ fingers: [(template: FingerprintTemplate, position: Int)], subjectID: String) throws -> ([ModalityScore], [String]) {
        var references: [(prepared: PreparedFingerprint, position: Int, id: String)] = []
        for reference in try activeReferences(subjectID, .finger) {
            do {
                let record = try FingerMinutiaeRecord(bytes: reference.template)
                // The view the reference stands for: the only one, or (records stored whole by
                // earlier versions) the one at the reference's position.
                guard let view = record.views.count == 1 ? 0 : record.views.firstIndex(where: { Int($0.position) == reference.info.fingerPosition }) else {
                    throw EngineError(.unreadableReference, "finger reference \(reference.info.id) of subject \(subjectID) holds no view at its position \(reference.info.fingerPosition)")
                }
                references.append((fingerMatcher.prepare(try FingerprintTemplate(record: record, view: view)), reference.info.fingerPosition, reference.info.id))
            } catch let error as EngineError {
                throw error
            } catch {
                throw EngineError(.unreadableReference, "finger reference \(reference.info.id) of subject \(subjectID) cannot be read (\(error)); the decision is withheld: revoke the reference or enroll the finger again")
            }
        }
        let probes = fingers.map { fingerMatcher.prepare($0.template) }
        try checkDistinctFingers(probes, positions: fingers.map(\.position))

        // Every allowed (probe finger, reference group) pair with its best score.
        let groups = Dictionary(grouping: references.indices, by: { references[$0].position })
        var pairs: [(finger: Int, group: Int, score: Double, id: String)] = []
        var comparisons = [Int](repeating: 0, count: fingers.count)
        for (f, probe) in probes.enumerated() {
            let position = fingers[f].position
            let allowed = position == 0 ? Array(groups.keys) : [position, 0].filter { groups[$0] != nil }
            for group in allowed {
                guard let members = groups[group] else { continue }
                var best: (score: Double, id: String)?
                for r in members {
                    let s = fingerMatcher.similarity(probe, references[r].prepared)
                    if s > best?.score ?? -.infinity { best = (s, references[r].id) }
                }
                comparisons[f] += members.count
                if let best { pairs.append((f, group, best.score, best.id)) }
            }
        }
        // Strongest first; each probe finger and each reference group serves once.
        pairs.sort { a, b in
            let ea = Self.bestOf(comparisons[a.finger], evidence: fingerNormalizer.evidence(a.score))
            let eb = Self.bestOf(comparisons[b.finger], evidence: fingerNormalizer.evidence(b.score))
            return ea != eb ? ea > eb : (a.finger, a.group) < (b.finger, b.group)
        }
        var usedFingers = Set<Int>(), usedGroups = Set<Int>(), chosen: [(finger: Int, score: Double, id: String)] = []
        for pair in pairs where !usedFingers.contains(pair.finger) && !usedGroups.contains(pair.group) {
            usedFingers.insert(pair.finger)
            usedGroups.insert(pair.group)
            chosen.append((pair.finger, pair.score, pair.id))
        }
        guard !chosen.isEmpty else {
            throw EngineError(.noActiveReference, "subject \(subjectID) has no active finger reference at the probe's finger positions \(fingers.map(\.position))")
        }
        var notes: [String] = []
        for f in fingers.indices where !usedFingers.contains(f) {
            notes.append("finger #\(fingers[f].position) not scored: \(comparisons[f] == 0 ? "the subject has no reference at that position" : "its references already serve another probe finger (each reference counts once)")")
        }
        let scores = chosen.sorted { fingers[$0.finger].position < fingers[$1.finger].position }.map { c in
            ModalityScore(modality: .finger, fingerPosition: fingers[c.finger].position, score: c.score, comparisons: comparisons[c.finger],
                          evidence: Self.bestOf(comparisons[c.finger], evidence: fingerNormalizer.evidence(c.score)), referenceID: c.id)
        }
        return (scores, notes)
    }

    /// Refuses a probe whose fingers match each other at the matcher's strictest calibrated
    /// threshold: one finger presented under two positions is one piece of evidence.
    private func checkDistinctFingers(_ probes: [PreparedFingerprint], positions: [Int]) throws {
        guard probes.count > 1, let strictest = FingerprintMatcher.calibration.min(by: { $0.rate < $1.rate }) else { return }
        for i in probes.indices {
            for j in probes.indices where j > i {
                if fingerMatcher.similarity(probes[i], probes[j]) >= strictest.threshold {
                    throw EngineError(.duplicateFinger, "the probe's fingers #\(positions[i]) and #\(positions[j]) are the same finger (they match each other at FMR \(strictest.label)); each finger is presented once")
                }
            }
        }
    }

    /// Evidence of the best of `comparisons` scores: −log10(N × FMR), at least 0.
    static func bestOf(_ comparisons: Int, evidence: Double) -> Double {
        max(0, evidence - log10(Double(max(1, comparisons))))
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

    /// The decision score and threshold. One comparison: the matcher's own calibrated
    /// threshold. The best of N comparisons of one modality: the threshold at FMR target / N
    /// (within the calibration only). Several pieces of evidence: Fisher fusion of their
    /// best-of-N evidences against −log10(target).
    func decisionScore(_ scores: [ModalityScore], target: FMRTarget) throws -> (Double, Double, DecisionRule, [String]) {
        if scores.count == 1, let only = scores.first {
            let normalizer = only.modality == .face ? faceNormalizer : fingerNormalizer
            if only.comparisons > 1, let normalizer {
                let rate = target.rate / Double(only.comparisons)
                guard normalizer.isCalibrated(atRate: rate) else {
                    throw EngineError(.unsupportedOperation, "the best of \(only.comparisons) \(only.modality) comparisons holds FMR \(target.key) only at \(String(format: "%.1e", rate)) per comparison, beyond the matcher's calibration (strictest \(String(format: "%.0e", normalizer.points.last?.rate ?? 0))); add another modality or keep fewer references of this subject")
                }
                return (only.score, normalizer.threshold(forRate: rate), only.modality == .face ? .face : .finger,
                        ["best of \(only.comparisons) comparisons: threshold at FMR \(String(format: "%.1e", rate)) per comparison, so the decision holds FMR \(target.key)"])
            }
            if only.modality == .face, let comparator = faceComparator {
                do {
                    return (only.score, Double(try comparator.threshold(for: target)), .face, [])
                } catch {
                    throw EngineError(.unsupportedOperation, "\(error)")
                }
            }
            guard let calibrated = FingerprintMatcher.calibration.first(where: { $0.label == target.key }) else {
                throw EngineError(.unsupportedOperation, "the finger matcher is not calibrated at FMR \(target.key) (calibrated: \(FingerprintMatcher.calibration.map(\.label).joined(separator: ", "))); add a face or another finger")
            }
            return (only.score, calibrated.threshold, .finger, [])
        }
        let fused = ScoreFusion.fusedEvidence(scores.map(\.evidence))
        let parts = scores.map { "\($0.modality)\($0.fingerPosition.map { "#\($0)" } ?? "") evidence \(Self.format($0.evidence))" + ($0.comparisons > 1 ? " (best of \($0.comparisons))" : "") }
        return (fused, -log10(target.rate), .fused, ["fused \(scores.count) comparisons by Fisher's method: " + parts.joined(separator: ", ")])
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
