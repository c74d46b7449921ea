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
    /// The snapshot file this segment's rows live in (read-only), or nil when it owns heap buffers.
    let mapping: MappedFile?

    init(capacity: Int, dimension: Int, floats keepFloats: Bool, codes keepCodes: Bool, bits keepBits: Bool) {
        self.capacity = capacity
        self.dimension = dimension
        words = (dimension + 63) / 64
        ids = Self.allocate(UInt64.self, capacity)
        floats = keepFloats ? Self.allocate(Float.self, capacity * dimension) : nil
        codes = keepCodes ? Self.allocate(UInt8.self, capacity * dimension) : nil
        bits = keepBits ? Self.allocate(UInt64.self, capacity * words) : nil
        mapping = nil
    }

    /// A full, read-only segment over sections of a mapped snapshot file.
    init(mapped: MappedFile, count: Int, dimension: Int, ids: UnsafeMutablePointer<UInt64>, floats: UnsafeMutablePointer<Float>?,
         codes: UnsafeMutablePointer<UInt8>?, bits: UnsafeMutablePointer<UInt64>?) {
        capacity = count
        self.dimension = dimension
        words = (dimension + 63) / 64
        self.ids = ids
        self.floats = floats
        self.codes = codes
        self.bits = bits
        mapping = mapped
    }

    deinit {
        guard mapping == nil else { return }  // the mapping unmaps itself
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

    /// Global slot of each segment's first row.
    let starts: [Int]
    /// Slots in use: every segment but the last is full.
    let total: Int

    init(segments: [GallerySegment], filled: [Int], tombstones: GalleryTombstones?, live: Int,
         int8: Int8Quantizer?, binary: BinaryQuantizer?) {
        self.segments = segments
        var starts: [Int] = [], next = 0
        for segment in segments { starts.append(next); next += segment.capacity }
        self.starts = starts
        total = (starts.last ?? 0) + (filled.last ?? 0)
        self.filled = filled
        self.tombstones = tombstones
        self.live = live
        self.int8 = int8
        self.binary = binary
    }

    /// The segment and row of a global slot.
    @inline(__always)
    func locate(_ slot: Int) -> (segment: Int, row: Int) {
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= slot { low = mid } else { high = mid - 1 }
        }
        return (low, slot - starts[low])
    }
}
