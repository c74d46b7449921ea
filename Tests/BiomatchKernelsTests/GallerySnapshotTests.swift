@testable import BiomatchKernels
import Foundation
import Testing

@Suite struct GallerySnapshotTests {
    func vectors(_ n: Int, _ d: Int, seed: UInt64) -> [[Float]] {
        SeededVectors.unit(count: n, dimension: d, seed: seed)
    }

    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("gallery-\(UUID().uuidString).bmgs")
    }

    @Test(arguments: GalleryMode.allCases)
    func snapshotRoundTripSearchesTheSame(mode: GalleryMode) throws {
        let data = vectors(3000, 128, seed: 5)
        let gallery = VectorGallery(dimension: 128, mode: mode, segmentCapacity: 1000)
        try gallery.add(data, ids: (0..<3000).map { UInt64($0) + 100 })
        gallery.remove(ids: [100, 101])
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try gallery.writeSnapshot(to: url)
        let loaded = try VectorGallery(snapshotAt: url)
        #expect(loaded.count == 2998 && loaded.mode == mode && loaded.dimension == 128)
        for q in vectors(10, 128, seed: 9) {
            // Same candidates; scores equal up to summation order, since ScanKernelTests may
            // lower the process-wide SIMD level between the two searches.
            let (a, b) = (try loaded.search(q, k: 10), try gallery.search(q, k: 10))
            #expect(a.map(\.id) == b.map(\.id))
            #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) <= 1e-4 })
        }
        // A mapped gallery still takes adds and removes.
        try loaded.add([data[0]], ids: [100])
        #expect(try loaded.search(data[0], k: 1).first?.id == 100)
        #expect(loaded.remove(ids: [102]) == 1)
        #expect(loaded.count == 2998)
    }

    @Test func damagedSnapshotsAreTypedErrors() throws {
        let gallery = VectorGallery(dimension: 64, mode: .int8)
        try gallery.add(vectors(100, 64, seed: 3), ids: (0..<100).map(UInt64.init))
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try gallery.writeSnapshot(to: url)
        let good = try Data(contentsOf: url)
        func expectRefused(_ bytes: Data) throws {
            try bytes.write(to: url)
            #expect(throws: GalleryError.self) { try VectorGallery(snapshotAt: url) }
        }
        try expectRefused(good.prefix(100))                      // truncated header
        try expectRefused(good.prefix(good.count - 4096))        // truncated sections
        var badMagic = good; badMagic[0] = 0x58; try expectRefused(badMagic)
        var badVersion = good; badVersion[4] = 9; try expectRefused(badVersion)
        var badCount = good; badCount[16] = 0xFF; badCount[17] = 0xFF; try expectRefused(badCount)
        var badMode = good; badMode[12] = 7; try expectRefused(badMode)
        try expectRefused(Data())
    }
}
