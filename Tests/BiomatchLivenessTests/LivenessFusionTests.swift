@testable import BiomatchLiveness
import Testing

/// One decision from every check that ran: all must pass at the target APCER.
@Suite struct LivenessFusionTests {
    static let passiveCalibration = PADCalibration(
        points: [.init(apcer: 0.01, threshold: 0.9, bpcer: 0.3), .init(apcer: 0.05, threshold: 0.7, bpcer: 0.1), .init(apcer: 0.2, threshold: 0.4, bpcer: 0.02)],
        bonaFideCount: 50, attackCounts: ["print": 50])
    let calibration = LivenessCalibration(measured: [.passiveFace: LivenessFusionTests.passiveCalibration])

    @Test func everyCheckMustPassAndTheFusedScoreSitsOnOneScale() {
        let live = calibration.decide([LivenessScore(check: .passiveFace, score: 0.85), LivenessScore(check: .depth, score: 0.8)], targetAPCER: 0.05)
        #expect(live.isBonaFide && live.fusedScore >= 0.5 && live.checks.map(\.check) == [.passiveFace, .depth])
        #expect(live.checks.allSatisfy(\.passed) && live.checks[0].threshold == 0.7 && live.checks[1].threshold == 0.5)
        // 0.85 is half-way from 0.7 to 1 → 0.75 on the common scale; depth 0.8 → 0.8; the fused score is the smaller.
        #expect(abs(live.fusedScore - 0.75) < 1e-9)

        let flat = calibration.decide([LivenessScore(check: .passiveFace, score: 0.95), LivenessScore(check: .depth, score: 0.3)], targetAPCER: 0.05)
        #expect(!flat.isBonaFide && flat.fusedScore < 0.5 && flat.checks.filter(\.passed).map(\.check) == [.passiveFace])
        #expect(flat.reasons.contains { $0.hasPrefix("depth failed") })
    }

    @Test func thresholdsFollowTheTargetConservatively() {
        // 0.8 passes at APCER 5 % (0.7) but not at 1 % (0.9); 3 % takes the 1 % threshold.
        let score = [LivenessScore(check: .passiveFace, score: 0.8)]
        #expect(calibration.decide(score, targetAPCER: 0.05).isBonaFide)
        #expect(!calibration.decide(score, targetAPCER: 0.01).isBonaFide)
        #expect(!calibration.decide(score, targetAPCER: 0.03).isBonaFide)
        #expect(calibration.decide(score, targetAPCER: 0.5).isBonaFide)
        // Below every calibrated target: the strictest threshold.
        #expect(Self.passiveCalibration.threshold(forAPCER: 0.001) == 0.9)
    }

    @Test func nothingPassesSilently() {
        #expect(!calibration.decide([], targetAPCER: 0.05).isBonaFide)
        #expect(!calibration.decide([LivenessScore(check: .passiveFace, score: .nan)], targetAPCER: 0.05).isBonaFide)
        // A learned check without a calibration cannot pass.
        let uncalibrated = calibration.decide([LivenessScore(check: .fingerprint, score: 1)], targetAPCER: 0.05)
        #expect(!uncalibrated.isBonaFide && uncalibrated.reasons.contains { $0.contains("no calibrated threshold") })
        // Several frames of one check: the weakest counts.
        let frames = calibration.decide([0.95, 0.6, 0.9].map { LivenessScore(check: .passiveFace, score: $0) }, targetAPCER: 0.05)
        #expect(!frames.isBonaFide && frames.checks.count == 1 && frames.checks[0].score == 0.6)
    }

    @Test func aSubjectCalibrationHoldsForEverySubjectWherePooledScoresDoNot() {
        // Subject "b"'s prints score higher than "a"'s: the pooled threshold lets a quarter of them through.
        let a = PADErrorRates(bonaFide: (0..<40).map { 0.6 + Double($0) / 100 }, attacks: ["print": (0..<60).map { Double($0) / 200 }])
        let b = PADErrorRates(bonaFide: (0..<40).map { 0.7 + Double($0) / 200 }, attacks: ["print": (0..<20).map { 0.2 + Double($0) / 50 }])
        let pooled = PADCalibration(PADErrorRates(bonaFide: a.bonaFide + b.bonaFide, attacks: ["print": a.attacks["print"]! + b.attacks["print"]!]))
        let bySubject = PADCalibration(bySubject: ["a": a, "b": b])
        let pooledThreshold = pooled.threshold(forAPCER: 0.05)!, subjectThreshold = bySubject.threshold(forAPCER: 0.05)!
        #expect(b.maximumAPCER(at: pooledThreshold) > 0.05)
        for rates in [a, b] { #expect(rates.maximumAPCER(at: subjectThreshold) <= 0.05) }
        let point = bySubject.points.first { $0.apcer == 0.05 }!
        #expect(point.pooledThreshold == pooledThreshold && point.subjectThresholds?.count == 2 && bySubject.rule == "worst held-out subject")
        #expect(point.subjectThresholds!.values.max() == subjectThreshold)
    }

    @Test func calibrationComesFromHeldOutRates() {
        let rates = PADErrorRates(bonaFide: (0..<100).map { 0.5 + Double($0) / 200 }, attacks: ["print": (0..<100).map { Double($0) / 150 }])
        let c = PADCalibration(rates)
        #expect(c.points.map(\.apcer) == PADCalibration.targets)
        for p in c.points { #expect(rates.maximumAPCER(at: p.threshold) <= p.apcer + 1e-12 && abs(rates.bpcer(at: p.threshold) - p.bpcer) < 1e-12) }
    }
}
