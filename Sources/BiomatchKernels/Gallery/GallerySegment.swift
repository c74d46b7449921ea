/// A fixed-capacity block of gallery rows in 64-byte-aligned buffers.
///
/// Rows are written once, by the gallery's writer under its lock, past the count that
/// snapshots publish; readers only read rows below a published count. Written rows are
/// never modified again, which is what lets searches run without locks.
final class GallerySegment: @unchecked Sendable {
    let capacity: Int
    let dimension: Int
    let ids: UnsafeMutablePointer<UInt64>
    let floats: UnsafeMutablePointer<Float>?
    let codes: UnsafeMutablePointer<UInt8>?
    let bits: UnsafeMutablePointer<UInt64>?
    let words: Int

    init(capacity: Int, dimension: Int, floats keepFloats: Bool, codes keepCodes: Bool, bits keepBits: Bool) {
        self.capacity = capacity
        self.dimension = dimension
        words = (dimension + 63) / 64
        ids = Self.allocate(UInt64.self, capacity)
        floats = keepFloats ? Self.allocate(Float.self, capacity * dimension) : nil
        codes = keepCodes ? Self.allocate(UInt8.self, capacity * dimension) : nil
        bits = keepBits ? Self.allocate(UInt64.self, capacity * words) : nil
    }

    deinit {
        UnsafeMutableRawPointer(ids).deallocate()
        floats.map { UnsafeMutableRawPointer($0).deallocate() }
        codes.map { UnsafeMutableRawPointer($0).deallocate() }
        bits.map { UnsafeMutableRawPointer($0).deallocate() }
    }

    private static func allocate<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<T>.stride, alignment: 64)
        return raw.bindMemory(to: T.self, capacity: max(1, count))
    }
}

/// Removed slots, as an immutable bitset replaced (not mutated) on every removal.
final class GalleryTombstones: Sendable {
    let words: [UInt64]
    init(words: [UInt64]) { self.words = words }

    func contains(_ slot: Int) -> Bool {
        let w = slot >> 6
        return w < words.count && words[w] & (1 << UInt64(slot & 63)) != 0
    }

    func adding(_ slots: [Int]) -> GalleryTombstones {
        var copy = words
        for s in slots {
            let w = s >> 6
            if w >= copy.count { copy += [UInt64](repeating: 0, count: w - copy.count + 1) }
            copy[w] |= 1 << UInt64(s & 63)
        }
        return GalleryTombstones(words: copy)
    }
}

/// What one search sees: the segments, how many rows of each are published, the
/// removed slots and the quantisers. Immutable.
final class GallerySnapshot: Sendable {
    let segments: [GallerySegment]
    let filled: [Int]
    let tombstones: GalleryTombstones?
    let live: Int
    let int8: Int8Quantizer?
    let binary: BinaryQuantizer?

    init(segments: [GallerySegment], filled: [Int], tombstones: GalleryTombstones?, live: Int,
         int8: Int8Quantizer?, binary: BinaryQuantizer?) {
        self.segments = segments
        self.filled = filled
        self.tombstones = tombstones
        self.live = live
        self.int8 = int8
        self.binary = binary
    }
}
