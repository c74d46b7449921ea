@testable import BiomatchEngine
import BiomatchFace
import BiomatchFraming
@testable import BiomatchStore
import BiomatchSupport
import Foundation
import Testing

/// One engine, many callers: requests run side by side, decide as a lone caller's would, and
/// never block the caller's task (the store refuses a blocking call from a task that forbids
/// it, so a request that did its I/O on the caller's task would fail here on PostgreSQL).
@Suite struct ConcurrentEngineTests {
    @Test(arguments: EngineStoreKind.available)
    func concurrentRequestsDecideAsALoneCallerWouldAndNeverBlockTheirTask(kind: EngineStoreKind) async throws {
        let f = try EngineFixture(configuration: IdentificationTests.configuration(), kind: kind)
        let templates = try await IdentificationTests.enroll(f, count: 20)
        let engine = f.engine
        // Probe i: subject i % 20; genuine for even i, an impostor face for odd i; verify for
        // i % 4 < 2, identify otherwise. Each a fresh transaction.
        struct Request: Sendable {
            var index: Int
            var subject: String
            var genuine: Bool
            var identifies: Bool
            var message: [UInt8]
        }
        var requests: [Request] = []
        for i in 0..<48 {
            let genuine = i % 2 == 0, identifies = i % 4 >= 2
            let face = genuine ? try SyntheticFaces.template(seed: 70_000 + UInt64(i), near: templates[i % 20].values)
                               : try SyntheticFaces.template(seed: 90_000 + UInt64(i))
            let message = identifies ? try IdentificationTests.probe(f, face) : try f.terminal.probe(face, at: f.clock.date)
            requests.append(Request(index: i, subject: "s\(i % 20)", genuine: genuine, identifies: identifies, message: message))
        }
        let late = try SyntheticFaces.template(seed: 5_555)
        let lateEnrollment = try f.terminal.frame([.face(late, purpose: .enrollIdentity)])
        let lateProbe = try IdentificationTests.probe(f, try SyntheticFaces.template(seed: 5_556, near: late.values))

        let decisions = try await BlockingWaits.$areForbidden.withValue(true) {
            let receipt = try await engine.enroll(lateEnrollment, subjectID: "late")
            #expect(receipt.referenceIDs.count == 1)
            let decisions = try await withThrowingTaskGroup(of: (Request, Decision).self) { group in
                for request in requests {
                    group.addTask {
                        let decision = request.identifies ? try await engine.identify(request.message, tier: "low")
                                                          : try await engine.verify(request.message, claimedSubject: request.subject, tier: "low")
                        return (request, decision)
                    }
                }
                var out: [(Request, Decision)] = []
                for try await answer in group { out.append(answer) }
                return out
            }
            // The subject enrolled during the run is found; once revoked, never again.
            let found = try await engine.identify(lateProbe, tier: "low")
            #expect(found.isMatch && found.subjectID == "late")
            _ = try await engine.revoke(subjectID: "late", reason: "test")
            let again = try IdentificationTests.probe(f, try SyntheticFaces.template(seed: 5_557, near: late.values))
            #expect(try await !engine.identify(again, tier: "low").isMatch)
            return decisions
        }
        #expect(decisions.count == requests.count)
        for (request, decision) in decisions {
            #expect(decision.isMatch == request.genuine, "request \(request.index): \(decision.outcome) \(decision.score)")
            if request.identifies && request.genuine { #expect(decision.subjectID == request.subject, "request \(request.index)") }
        }
        // Every request its own journal entry; the chain intact.
        #expect(Set(decisions.map(\.1.auditSequence)).count == requests.count)
        #expect(try f.store.verifyAudit().valid)
    }

    /// One probe presented many times at once: exactly one decision, every other
    /// presentation refused as a replay, each journaled (the id is spent in the same write
    /// as the decision, so concurrent presentations cannot both be decided).
    @Test(arguments: EngineStoreKind.available)
    func aProbePresentedManyTimesAtOnceIsDecidedOnce(kind: EngineStoreKind) async throws {
        let f = try EngineFixture(configuration: IdentificationTests.configuration(), kind: kind)
        let templates = try await IdentificationTests.enroll(f, count: 3)
        let engine = f.engine
        let probe = try f.terminal.probe(try SyntheticFaces.template(seed: 4_242, near: templates[1].values), at: f.clock.date)
        let outcomes = await withTaskGroup(of: Result<Decision, EngineError>.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do { return .success(try await engine.verify(probe, claimedSubject: "s1", tier: "low")) } catch let error as EngineError {
                        return .failure(error)
                    } catch {
                        return .failure(EngineError(.store, "\(error)"))
                    }
                }
            }
            var all: [Result<Decision, EngineError>] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let decided = outcomes.compactMap { try? $0.get() }
        let refused = outcomes.compactMap { if case .failure(let e) = $0 { return e } else { return nil } }
        #expect(decided.count == 1 && decided.first?.isMatch == true)
        #expect(refused.count == 7 && refused.allSatisfy { $0.code == .replayed && $0.auditSequence != nil }, "\(refused)")
        #expect(try f.store.verifyAudit().valid)
    }

    /// The guard itself: on PostgreSQL, a store call made on a task that forbids blocking is
    /// refused (and the same call off such a task runs).
    @Test func aBlockingStoreCallOnAForbiddingTaskIsRefused() async throws {
        guard EngineStoreKind.available.contains(.postgres) else { return }
        let f = try EngineFixture(kind: .postgres)
        let store = f.store
        #expect(try store.verifyAudit().valid)
        BlockingWaits.$areForbidden.withValue(true) {
            #expect(throws: StoreError.self) { try store.verifyAudit() }
        }
    }
}
