@testable import BiomatchEngine
import BiomatchFace
import BiomatchStore
import Foundation
import Synchronization
import Testing

@Suite struct EnrollmentManifestTests {
    @Test func readsQuotedFieldsAnyColumnOrderAndRelativePaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bm-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.csv")
        try Data("""
            image_path,subject_id,modality,finger_position
            a.jpg,"Doe, Jane",face,
            /abs/b.png,s2,finger,3
            "c ""q"".png",s3,FACE,0

            """.utf8).write(to: url)
        let items = try EnrollmentManifest.read(csv: url)
        #expect(items.count == 3)
        #expect(items[0] == EnrollmentItem(subjectID: "Doe, Jane", modality: .face, path: dir.appendingPathComponent("a.jpg").path))
        #expect(items[1] == EnrollmentItem(subjectID: "s2", modality: .finger, fingerPosition: 3, path: "/abs/b.png"))
        #expect(items[2].path.hasSuffix("c \"q\".png") && items[2].modality == .face)
    }

    @Test func malformedManifestsNameTheLine() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bm-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (text, needle) in [("subject_id,image_path\ns1\n", "line 2"), ("subject_id,modality,image_path\ns1,iris,a.png\n", "iris"),
                               ("name,file\nx,y\n", "header"), ("subject_id,finger_position,image_path\ns,11,a.png\n", "finger_position"),
                               ("subject_id,image_path\n\"s1,a.png\n", "quote")] {
            let url = dir.appendingPathComponent("m.csv")
            try Data(text.utf8).write(to: url)
            let error = await expectRefusal(.unsupportedObject, audited: false) { try EnrollmentManifest.read(csv: url) }
            #expect(error?.message.contains(needle) == true, "\(error?.message ?? "")")
        }
    }
}

/// Batch enrollment on the registry samples (they run anywhere).
@Suite struct BatchEnrollmentTests {
    static let samples = RealData.root.appendingPathComponent("Models/samples")

    private func items(unreadable: URL) -> [EnrollmentItem] {
        [
            EnrollmentItem(subjectID: "astronaut", modality: .face, path: Self.samples.appendingPathComponent("astronaut.png").path),
            EnrollmentItem(subjectID: "messi", modality: .face, path: Self.samples.appendingPathComponent("messi5.jpg").path),
            EnrollmentItem(subjectID: "finger-1", modality: .finger, fingerPosition: 2, path: Self.samples.appendingPathComponent("finger/p1_1.png").path),
            EnrollmentItem(subjectID: "finger-1", modality: .finger, fingerPosition: 2, path: Self.samples.appendingPathComponent("finger/p1_2.png").path),
            EnrollmentItem(subjectID: "finger-2", modality: .finger, fingerPosition: 2, path: Self.samples.appendingPathComponent("finger/p2_1.png").path),
            // The same photo again for the same subject, and under a second id.
            EnrollmentItem(subjectID: "astronaut", modality: .face, path: Self.samples.appendingPathComponent("astronaut.png").path),
            EnrollmentItem(subjectID: "alias", modality: .face, path: Self.samples.appendingPathComponent("astronaut.png").path),
            EnrollmentItem(subjectID: "broken", modality: .face, path: unreadable.path),
        ]
    }

    private func enroller(_ f: EngineFixture, jobs: Int, hold: Bool = false) throws -> BatchEnrollment {
        let models = try RealData.models.get()
        var options = BatchEnrollment.Options()
        options.jobs = jobs
        options.chunkSize = 3
        options.holdDuplicates = hold
        return BatchEnrollment(store: f.store, facePipeline: FacePipeline(models: models), faceComparator: try FaceComparator(models: models), options: options)
    }

    @Test func outcomesAreDecidedInOrderStoredOnceAndResumable() async throws {
        let f = try EngineFixture()
        let broken = f.directory.appendingPathComponent("broken.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0x00, 0x01]).write(to: broken)
        let log = f.directory.appendingPathComponent("batch.log.jsonl")
        let (records, summary) = try enroller(f, jobs: 2).run(items(unreadable: broken), log: log)
        #expect(records.map(\.outcome) == [.enrolled, .enrolled, .enrolled, .enrolled, .enrolled, .alreadyStored, .enrolledDuplicateSuspect, .failedCapture])
        #expect(records[6].duplicateCandidates.first?.subjectID == "astronaut")
        #expect(records[5].referenceID == records[0].referenceID)
        #expect(summary.outcomes["enrolled"] == 5 && summary.outcomes["failed-capture"] == 1 && abs(summary.fte - 1.0 / 8) < 1e-12)
        #expect(try f.store.statistics().references == 6)

        // A rerun skips everything stored and decides the rest the same way.
        let (again, second) = try enroller(f, jobs: 1).run(items(unreadable: broken), log: log)
        #expect(again.map(\.outcome) == records.map(\.outcome))
        #expect(again.map(\.referenceID) == records.map(\.referenceID))
        #expect(second.alreadyEnrolled == 6 && second.processedThisRun == 2 && second.outcomes == summary.outcomes)
        #expect(try f.store.statistics().references == 6)
        #expect(try f.store.verifyAudit().valid)
    }

    @Test func heldDuplicatesAreNotStoredAndAStopLeavesTheRestForLater() async throws {
        let f = try EngineFixture()
        let broken = f.directory.appendingPathComponent("broken.jpg")
        try Data().write(to: broken)
        let log = f.directory.appendingPathComponent("batch.log.jsonl")
        let list = items(unreadable: broken)
        // Stopped after the first chunk.
        let calls = Counter()
        let (partial, stopped) = try enroller(f, jobs: 2, hold: true).run(list, log: log, stop: { calls.next() > 1 })
        #expect(stopped.interrupted && stopped.remaining == list.count - 3 && partial.count == 3)
        let (records, summary) = try enroller(f, jobs: 2, hold: true).run(list, log: log)
        #expect(records[6].outcome == .heldDuplicateSuspect && records[6].referenceID != nil)
        #expect(summary.outcomes["held-duplicate-suspect"] == 1 && summary.alreadyEnrolled == 3)
        #expect(try f.store.statistics().references == 5, "the held alias is not stored")
    }
}

/// Counts calls from a @Sendable closure.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
