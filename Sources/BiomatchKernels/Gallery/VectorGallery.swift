import BiomatchSupport

/// The gallery: templates in fixed-size segments, scanned by the SIMD kernels in the
/// chosen ``GalleryMode``, searched lock-free from any number of tasks.
///
/// ```swift
/// let gallery = VectorGallery(dimension: 128, mode: .int8)
/// try gallery.add(embeddings, ids: ids)
/// let best = try gallery.search(probe, k: 10)
/// ```
///
/// - The default mode, ``GalleryMode/int8``, scans 8-bit codes and re-scores the best
///   candidates exactly in float, so the final top-k scores are exact.
/// - Writers (add, remove) are serialised by a lock and publish a new immutable
///   snapshot; a search takes the current snapshot and never waits for a writer.
/// - A single query's scan is split over the cores once the gallery has
///   ``parallelThreshold`` templates; a batch is split by queries.
/// - Removal marks slots dead; their space is reclaimed by ``compact()``.
public final class VectorGallery: Gallery {
    public let dimension: Int
    public let mode: GalleryMode
    /// Whether float vectors are kept for exact re-ranking (int8 and binary modes).
    public let keepsFloatVectors: Bool
    /// Rows per segment.
    let segmentCapacity: Int
    /// Gallery size from which one query's scan uses several threads.
    public static let parallelThreshold = 65_536

    struct State {
        var snapshot: GallerySnapshot
        var slotOf: [UInt64: Int]
    }
    let state: LockedValue<State>

    /// A new, empty gallery.
    ///
    /// - Parameters:
    ///   - dimension: template length (a multiple of 64 is fastest; any positive value works).
    ///   - mode: storage and scan mode.
    ///   - keepFloatVectors: keep float vectors for exact re-ranking in int8 and binary
    ///     modes. Without them those modes return quantised score estimates and use
    ///     about a fifth of the memory.
    ///   - training: a sample of templates to fit the quantiser's ranges (int8) or
    ///     thresholds (binary); without it, ranges suited to unit vectors are used.
    public init(dimension: Int, mode: GalleryMode = .int8, keepFloatVectors: Bool = true,
                training: [[Float]]? = nil, segmentCapacity: Int = 65_536) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        self.mode = mode
        self.keepsFloatVectors = mode == .float32 || keepFloatVectors
        self.segmentCapacity = max(64, segmentCapacity)
        let int8 = mode != .float32
            ? (training.map { Int8Quantizer(training: $0, dimension: dimension) } ?? Int8Quantizer(dimension: dimension)) : nil
        let binary = mode == .binary
            ? (training.map { BinaryQuantizer(training: $0, dimension: dimension) } ?? BinaryQuantizer(dimension: dimension)) : nil
        state = LockedValue(State(
            snapshot: GallerySnapshot(segments: [], filled: [], tombstones: nil, live: 0, int8: int8, binary: binary),
            slotOf: [:]))
    }

    /// The snapshot searches see now.
    var snapshot: GallerySnapshot { state.withLock { $0.snapshot } }

    public var count: Int { snapshot.live }

    public var memoryPerTemplate: GalleryMemory {
        let scan: Int
        switch mode {
        case .float32: scan = 4 * dimension
        case .int8: scan = dimension
        case .binary: scan = 8 * ((dimension + 63) / 64) + dimension  // bits + int8 codes
        }
        let rerank = (mode != .float32 && keepsFloatVectors) ? 4 * dimension : 0
        return GalleryMemory(scanBytes: scan, rerankBytes: rerank, idBytes: 8)
    }

    /// - Throws: ``GalleryError`` when the counts differ, or a vector has the wrong length or a value that is not finite.
    public func add(_ vectors: [[Float]], ids: [UInt64]) throws {
        guard vectors.count == ids.count else {
            throw GalleryError("\(vectors.count) vectors but \(ids.count) ids")
        }
        for (i, v) in vectors.enumerated() {
            guard v.count == dimension else { throw GalleryError("vector \(i) has \(v.count) values, the gallery holds \(dimension)") }
            guard v.allSatisfy(\.isFinite) else { throw GalleryError("vector \(i) holds a value that is not finite") }
        }
        guard !vectors.isEmpty else { return }
        state.withLock { state in
            let s = state.snapshot
            var rows = RowAppender(from: s, gallery: self)
            var replaced: [Int] = []
            var live = s.live
            for (v, id) in zip(vectors, ids) {
                if let old = state.slotOf[id] { replaced.append(old); live -= 1 }
                let (segment, row, slot) = rows.next()
                write(v, id: id, into: segment, row: row, int8: s.int8, binary: s.binary)
                state.slotOf[id] = slot
                live += 1
            }
            let tombstones = replaced.isEmpty ? s.tombstones : (s.tombstones ?? GalleryTombstones(words: [])).adding(replaced)
            state.snapshot = GallerySnapshot(segments: rows.segments, filled: rows.filled, tombstones: tombstones, live: live,
                                             int8: s.int8, binary: s.binary)
        }
    }

    /// Hands out the next free row, opening a new segment when the last one is full.
    /// Rows before the snapshot's published counts are never handed out again.
    struct RowAppender {
        private(set) var segments: [GallerySegment]
        private(set) var filled: [Int]
        /// Global slot of the last segment's first row.
        private var lastStart: Int
        private let gallery: VectorGallery

        init(from snapshot: GallerySnapshot, gallery: VectorGallery) {
            segments = snapshot.segments
            filled = snapshot.filled
            lastStart = snapshot.starts.last ?? 0
            self.gallery = gallery
        }

        /// An empty appender (compaction builds a new layout).
        init(gallery: VectorGallery) {
            segments = []
            filled = []
            lastStart = 0
            self.gallery = gallery
        }

        mutating func next() -> (segment: GallerySegment, row: Int, slot: Int) {
            let lastIsFull = segments.last.map { filled[filled.count - 1] == $0.capacity } ?? true
            if lastIsFull {
                if let last = segments.last { lastStart += last.capacity }
                segments.append(GallerySegment(
                    capacity: gallery.segmentCapacity, dimension: gallery.dimension, floats: gallery.keepsFloatVectors,
                    codes: gallery.mode != .float32, bits: gallery.mode == .binary))
                filled.append(0)
            }
            let row = filled[filled.count - 1]
            filled[filled.count - 1] = row + 1
            return (segments[segments.count - 1], row, lastStart + row)
        }
    }

    private func write(_ v: [Float], id: UInt64, into segment: GallerySegment, row: Int,
                       int8: Int8Quantizer?, binary: BinaryQuantizer?) {
        segment.ids[row] = id
        v.withUnsafeBufferPointer { p in
            if let floats = segment.floats, let base = p.baseAddress {
                (floats + row * dimension).update(from: base, count: dimension)
            }
            if let codes = segment.codes, let int8 { int8.encode(p, into: codes + row * dimension) }
            if let bits = segment.bits, let binary { binary.encode(p, into: bits + row * segment.words) }
        }
    }

    @discardableResult
    public func remove(ids: [UInt64]) -> Int {
        state.withLock { state in
            let slots = ids.compactMap { state.slotOf.removeValue(forKey: $0) }
            guard !slots.isEmpty else { return 0 }
            let s = state.snapshot
            state.snapshot = GallerySnapshot(
                segments: s.segments, filled: s.filled,
                tombstones: (s.tombstones ?? GalleryTombstones(words: [])).adding(slots),
                live: s.live - slots.count, int8: s.int8, binary: s.binary)
            return slots.count
        }
    }

    public func removeAll() {
        state.withLock { state in
            let s = state.snapshot
            state.slotOf = [:]
            state.snapshot = GallerySnapshot(segments: [], filled: [], tombstones: nil, live: 0, int8: s.int8, binary: s.binary)
        }
    }

    /// Rewrites the gallery without its removed slots (O(n)); searches keep running on
    /// the old snapshot meanwhile.
    public func compact() {
        state.withLock { state in
            let s = state.snapshot
            guard let dead = s.tombstones else { return }
            var rows = RowAppender(gallery: self)
            var slotOf: [UInt64: Int] = [:]
            slotOf.reserveCapacity(s.live)
            for (si, segment) in s.segments.enumerated() {
                for row in 0..<s.filled[si] where !dead.contains(s.starts[si] + row) {
                    let (target, r, slot) = rows.next()
                    target.ids[r] = segment.ids[row]
                    if let f = target.floats, let g = segment.floats { (f + r * dimension).update(from: g + row * dimension, count: dimension) }
                    if let c = target.codes, let d = segment.codes { (c + r * dimension).update(from: d + row * dimension, count: dimension) }
                    if let b = target.bits, let e = segment.bits { (b + r * target.words).update(from: e + row * segment.words, count: segment.words) }
                    slotOf[segment.ids[row]] = slot
                }
            }
            state.slotOf = slotOf
            state.snapshot = GallerySnapshot(segments: rows.segments, filled: rows.filled, tombstones: nil, live: slotOf.count,
                                             int8: s.int8, binary: s.binary)
        }
    }
}
