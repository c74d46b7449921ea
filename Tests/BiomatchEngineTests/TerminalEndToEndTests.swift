@testable import BiomatchEngine
import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchStore
import Foundation
import Testing

/// Paths to the real data and models, read in place.
enum RealData {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let celeba = root.deletingLastPathComponent().appendingPathComponent("shared/data/face/celeba")
    static var hasCelebA: Bool { FileManager.default.fileExists(atPath: celeba.path) }
    static let models: Result<FaceModels, any Error> = Result { try FaceModels(directory: root.appendingPathComponent("Models")) }
}

/// Acceptance 1 of the framing issue: a terminal's whole conversation with the engine on
/// real faces. Subjects are enrolled from CelebA into a SQLite store through ``Engine``;
/// probes are extracted terminal-side, sent as privacy-and-integrity protected objects,
/// and verified against their own subject (genuine) and every other subject (impostor).
@Suite(.enabled(if: RealData.hasCelebA, "../shared/data/face is absent: the terminal end-to-end test is skipped"))
struct TerminalEndToEndTests {
    @Test func enrollThenVerifyProtectedProbesAtCalibratedTargets() async throws {
        let models = try RealData.models.get()
        let pipeline = FacePipeline(models: models)
        var configuration = EngineConfiguration.standard
        configuration.tiers = [
            RiskTier(name: "t1e-2", maximumAmount: nil, fmrTarget: .oneInHundred, liveness: nil),
            RiskTier(name: "t1e-3", maximumAmount: nil, fmrTarget: .oneInThousand, liveness: nil),
        ]
        let f = try EngineFixture(configuration: configuration, pipeline: pipeline, comparator: try FaceComparator(models: models))
        let images = try LabelledImage.scan(RealData.celeba.path)
        let byIdentity = Dictionary(grouping: images, by: \.identity).mapValues { $0.sorted { $0.url.path < $1.url.path } }

        // Enrollment desk: the first image of each identity that enrolls (raw, local path).
        var enrolled: [String: Int] = [:]
        var failedEnrollments = 0
        for (identity, list) in byIdentity.sorted(by: { $0.key < $1.key }) {
            for (i, image) in list.enumerated() {
                do {
                    _ = try await f.engine.enroll(faceImage: [UInt8](try Data(contentsOf: image.url)), subjectID: "celeba-\(identity)")
                    enrolled[identity] = i
                    break
                } catch let error as EngineError {
                    failedEnrollments += 1
                    #expect(error.auditSequence != nil, "a refused enrollment must be journaled")
                }
            }
        }
        #expect(enrolled.count >= 20, "only \(enrolled.count) of \(byIdentity.count) identities enrolled")

        // Terminal side: the next four images of each identity become probe templates.
        var probes: [(identity: String, template: FaceTemplate)] = []
        for (identity, first) in enrolled {
            guard let list = byIdentity[identity] else { continue }
            for image in list.dropFirst(first + 1).prefix(4) {
                if let capture = try? pipeline.capture(in: DecodedImage(contentsOf: image.url)), capture.template.quality >= configuration.probeQualityFloor {
                    probes.append((identity, capture.template))
                }
            }
        }
        #expect(probes.count >= 60)

        var calls = 0
        var acceptedImpostors: [String: Set<String>] = [:]
        for tier in configuration.tiers {
            var genuine = 0, genuineAccepted = 0, impostor = 0, impostorAccepted = 0
            var acceptedPairs: Set<String> = []
            for (probeIndex, probe) in probes.enumerated() {
                for subject in enrolled.keys {
                    let message = try f.terminal.probe(probe.template, at: f.clock.date)
                    let decision = try await f.engine.verify(message, claimedSubject: "celeba-\(subject)", tier: tier.name)
                    calls += 1
                    #expect(decision.protection == "privacy-and-integrity" && decision.auditSequence > 0)
                    #expect(decision.fmrTarget == tier.fmrTarget)
                    if subject == probe.identity {
                        genuine += 1
                        if decision.isMatch { genuineAccepted += 1 }
                    } else {
                        impostor += 1
                        if decision.isMatch { impostorAccepted += 1; acceptedPairs.insert("\(probeIndex)/\(subject)") }
                    }
                }
                f.clock.advance(1)
            }
            // The impostor accept rate must agree with the target: within a two-sided 99.9 %
            // binomial interval around it (normal approximation, z = 3.29). The calibration
            // pools CelebA's own impostor pairs with ORL's and Yale's, so this is close to
            // in-sample for CelebA; what it checks is that the engine applies the calibrated
            // thresholds end to end through framing, policy and the store.
            let p = tier.fmrTarget.rate, n = Double(impostor)
            let tolerance = 3.29 * (p * (1 - p) / n).squareRoot()
            let fmr = Double(impostorAccepted) / n
            let fnmr = 1 - Double(genuineAccepted) / Double(genuine)
            print("terminal e2e at \(tier.fmrTarget.key): \(impostorAccepted)/\(impostor) impostor probes accepted (FMR \(fmr)), tolerance ±\(tolerance); \(genuine - genuineAccepted)/\(genuine) genuine rejected (FNMR \(fnmr))")
            #expect(fmr <= p + tolerance, "FMR \(fmr) exceeds the \(tier.fmrTarget.key) target beyond the sampling tolerance")
            // From below only where the sample can show it (at least five expected false
            // matches); a stricter tier is checked against the looser one after the loop.
            if n * p >= 5 {
                #expect(fmr >= p - tolerance, "FMR \(fmr) is far under the target: the calibration does not fit")
            }
            acceptedImpostors[tier.name] = acceptedPairs
            #expect(fnmr <= 0.2, "FNMR \(fnmr) at \(tier.fmrTarget.key)")
        }
        // The stricter threshold accepts a subset of the impostor pairs the looser one does
        // (and the looser one, with at least five expected, accepted some).
        let loose = acceptedImpostors["t1e-2"] ?? [], strict = acceptedImpostors["t1e-3"] ?? []
        #expect(strict.isSubset(of: loose) && strict.count <= loose.count && !loose.isEmpty)

        // Every call has its own journal entry, and the journal verifies.
        let verifyEntries = try allEntries(f.store).filter { $0.action == "verify" }
        #expect(verifyEntries.count == calls)
        let check = try f.store.verifyAudit()
        #expect(check.valid, "\(check.problem ?? "")")
        print("terminal e2e: \(enrolled.count) subjects enrolled (\(failedEnrollments) refused images), \(probes.count) probes, \(calls) verifications, journal of \(check.entries) entries verifies")
    }

    private func allEntries(_ store: TemplateStore) throws -> [AuditEntry] {
        var all: [AuditEntry] = []
        while true {
            let page = try store.auditEntries(after: all.last?.sequence ?? 0, limit: 1000)
            if page.isEmpty { return all }
            all += page
        }
    }
}
