import BiomatchSupport
internal import CBLAS
internal import CBiomatchKernels
import Dispatch

/// The scans behind ``VectorGallery``'s searches: chunked kernel calls, a threshold
/// pre-filter so only promising rows reach the top-k heap, exact re-ranking.
extension VectorGallery {
    /// Rows per kernel call: the scores of one chunk fit in L1.
    static let chunkRows = 4096

    /// - Throws: ``GalleryError`` for a query of the wrong length or with a value that is not finite.
    public func search(_ query: [Float], k: Int, parameters: GallerySearchParameters = .init()) throws -> [GalleryCandidate] {
        guard query.count == dimension, query.allSatisfy(\.isFinite) else {
            throw GalleryError("the query has \(query.count) values (the gallery holds \(dimension)) or a value that is not finite")
        }
        guard k > 0 else { return [] }
        let s = snapshot
        let total = s.total
        guard total > 0 else { return [] }
        let depth = candidateDepth(k: k, parameters)
        let prepared = PreparedQuery(query, snapshot: s, mode: mode)
        let threads = max(1, min(parameters.threads ?? (total >= Self.parallelThreshold ? ProcessInfoCores.count : 1), 16))
        if mode == .binary {
            let top = cascade(s, query: prepared, total: total, depth: depth,
                              prefilter: prefilterDepth(total: total, depth: depth, parameters), threads: threads)
            return finish(top, prepared: prepared, snapshot: s, k: k)
        }
        // Split the slot range evenly between threads.
        let per = (total + threads - 1) / threads
        let partials = LockedValue([TopK]())
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var top = TopK(k: depth)
            scan(s, from: t * per, to: min(total, (t + 1) * per), queries: [prepared], tops: &top)
            partials.withLock { $0.append(top) }
        }
        var merged = TopK(k: depth)
        for p in partials.withLock({ $0 }) { merged.merge(p) }
        return finish(merged, prepared: prepared, snapshot: s, k: k)
    }

    /// - Throws: ``GalleryError`` for a query of the wrong length or with a value that is not finite.
    public func search(batch queries: [[Float]], k: Int, parameters: GallerySearchParameters = .init()) throws -> [[GalleryCandidate]] {
        for q in queries where q.count != dimension || !q.allSatisfy(\.isFinite) {
            throw GalleryError("a query has \(q.count) values (the gallery holds \(dimension)) or a value that is not finite")
        }
        guard k > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        let s = snapshot
        let total = s.total
        guard total > 0 else { return queries.map { _ in [] } }
        let depth = candidateDepth(k: k, parameters)
        let prepared = queries.map { PreparedQuery($0, snapshot: s, mode: mode) }
        let threads = max(1, min(parameters.threads ?? ProcessInfoCores.count, queries.count))
        let per = (queries.count + threads - 1) / threads
        let results = LockedValue([[GalleryCandidate]](repeating: [], count: queries.count))
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let range = (t * per)..<min(queries.count, (t + 1) * per)
            guard !range.isEmpty else { return }
            let mine = Array(prepared[range])
            var tops = [TopK](repeating: TopK(k: depth), count: mine.count)
            if mode == .binary {
                let prefilter = prefilterDepth(total: total, depth: depth, parameters)
                tops = mine.map { cascade(s, query: $0, total: total, depth: depth, prefilter: prefilter, threads: 1) }
            } else {
                scanBatch(s, queries: mine, tops: &tops)
            }
            let finished = zip(mine, tops).map { finish($1, prepared: $0, snapshot: s, k: k) }
            results.withLock { r in for (i, f) in zip(range, finished) { r[i] = f } }
        }
        return results.withLock { $0 }
    }

    /// The number of candidates a search for the best `k` with these parameters keeps
    /// from the scan for re-scoring (`k` itself in float32 mode).
    public func candidateDepth(k: Int, _ parameters: GallerySearchParameters) -> Int {
        if let depth = parameters.rerankDepth { return max(k, depth) }
        switch mode {
        case .float32: return k
        case .int8: return max(8 * k, 64)
        case .binary: return max(8 * k, 64)
        }
    }

    func prefilterDepth(total: Int, depth: Int, _ parameters: GallerySearchParameters) -> Int {
        max(depth, parameters.prefilterDepth ?? max(4096, total * 3 / 200))
    }

    /// A query in the form the mode's kernel wants.
    struct PreparedQuery: @unchecked Sendable {
        var floats: [Float]
        var int8: Int8Quantizer.Query?
        var bits: [UInt64]?

        init(_ q: [Float], snapshot: GallerySnapshot, mode: GalleryMode) {
            floats = q
            if mode == .int8, let quantizer = snapshot.int8 { int8 = quantizer.prepare(q) }
            if mode == .binary, let quantizer = snapshot.binary { bits = quantizer.encode(q) }
            if mode == .binary, let quantizer = snapshot.int8 { int8 = quantizer.prepare(q) }
        }
    }

    /// Reusable per-thread buffers for one chunk of rows.
    struct Scratch {
        var f32: [Float]
        var i32: [Int32]
        var u16: [UInt16]
        var picked: [UInt32]
        init(rows: Int) {
            f32 = [Float](repeating: 0, count: rows)
            i32 = [Int32](repeating: 0, count: rows)
            u16 = [UInt16](repeating: 0, count: rows)
            picked = [UInt32](repeating: 0, count: rows)
        }
    }

    /// Scans global slots [from, to) for one query into `tops`.
    func scan(_ s: GallerySnapshot, from: Int, to: Int, queries: [PreparedQuery], tops: inout TopK) {
        guard from < to, let q = queries.first else { return }
        var scratch = Scratch(rows: Self.chunkRows)
        var slot = from
        while slot < to {
            let (si, row) = s.locate(slot)
            let n = min(Self.chunkRows, to - slot, s.filled[si] - row)
            if n <= 0 { break }
            scanChunk(s, segment: si, row: row, count: n, query: q, tops: &tops, scratch: &scratch)
            slot += n
        }
    }

    /// Scores rows [row, row + count) of one segment for one query with the mode's
    /// kernel, then offers only the rows that beat the current k-th best.
    func scanChunk(_ s: GallerySnapshot, segment si: Int, row: Int, count n: Int, query q: PreparedQuery,
                   tops: inout TopK, scratch: inout Scratch) {
        let segment = s.segments[si]
        let base = s.starts[si] + row
        // Strict thresholds once the selection is full: an equal score from a later
        // (higher) slot would lose the tie anyway.
        let admission = tops.admissionScore
        scratch.picked.withUnsafeMutableBufferPointer { pk in
            guard let picked = pk.baseAddress else { return }
            switch mode {
            case .float32:
                guard let floats = segment.floats else { return }
                scratch.f32.withUnsafeMutableBufferPointer { out in
                    guard let o = out.baseAddress else { return }
                    q.floats.withUnsafeBufferPointer { bmk_f32_scores($0.baseAddress, floats + row * dimension, n, dimension, o) }
                    let m = bmk_f32_select_ge(o, n, admission.isFinite ? admission.nextUp : -.infinity, picked)
                    for i in 0..<m { offer(&tops, slot: base + Int(picked[i]), score: o[Int(picked[i])], s) }
                }
            case .int8:
                guard let codes = segment.codes, let p = q.int8 else { return }
                scratch.i32.withUnsafeMutableBufferPointer { out in
                    guard let o = out.baseAddress else { return }
                    p.values.withUnsafeBufferPointer { bmk_s8u8_scores($0.baseAddress, codes + row * dimension, n, dimension, o) }
                    let m = bmk_i32_select_ge(o, n, admission.isFinite ? Int32(admission) + 1 : Int32.min, picked)
                    for i in 0..<m { offer(&tops, slot: base + Int(picked[i]), score: Float(o[Int(picked[i])]), s) }
                }
            case .binary:
                guard let bits = segment.bits, let b = q.bits else { return }
                var limit = UInt16.max
                if admission.isFinite {
                    let distance = Int(-admission)
                    if distance <= 0 { return }  // nothing can beat distance 0
                    limit = UInt16(min(Int(UInt16.max), distance - 1))
                }
                scratch.u16.withUnsafeMutableBufferPointer { out in
                    guard let o = out.baseAddress else { return }
                    b.withUnsafeBufferPointer { bmk_hamming($0.baseAddress, bits + row * segment.words, n, segment.words, o) }
                    let m = bmk_u16_select_le(o, n, limit, picked)
                    for i in 0..<m { offer(&tops, slot: base + Int(picked[i]), score: -Float(o[Int(picked[i])]), s) }
                }
            }
        }
    }

    @inline(__always)
    private func offer(_ tops: inout TopK, slot: Int, score: Float, _ s: GallerySnapshot) {
        if let dead = s.tombstones, dead.contains(slot) { return }
        tops.offer(index: slot, score: score)
    }

    /// Scans every row for several queries. Row blocks are the outer loop so a block is
    /// read from memory once and then served from cache to every query; float32 scores
    /// a block against all queries with one sgemm.
    func scanBatch(_ s: GallerySnapshot, queries: [PreparedQuery], tops: inout [TopK]) {
        let nq = queries.count
        let block = mode == .float32 ? 1024 : Self.chunkRows
        var scratch = Scratch(rows: block)
        var scores = mode == .float32 ? [Float](repeating: 0, count: nq * block) : []
        let qFloats = mode == .float32 ? queries.flatMap(\.floats) : []
        for (si, segment) in s.segments.enumerated() {
            var row = 0
            while row < s.filled[si] {
                let n = min(block, s.filled[si] - row)
                if mode == .float32, let floats = segment.floats {
                    let base = s.starts[si] + row
                    qFloats.withUnsafeBufferPointer { qp in
                        scores.withUnsafeMutableBufferPointer { out in
                            // scores (nq × n) = Q (nq × d) · Xᵀ (d × n)
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(nq), Int32(n), Int32(dimension),
                                        1, qp.baseAddress, Int32(dimension), floats + row * dimension, Int32(dimension),
                                        0, out.baseAddress, Int32(n))
                            scratch.picked.withUnsafeMutableBufferPointer { pk in
                                guard let all = out.baseAddress, let picked = pk.baseAddress else { return }
                                for qi in 0..<nq {
                                    let o = all + qi * n
                                    let admission = tops[qi].admissionScore
                                    let m = bmk_f32_select_ge(o, n, admission.isFinite ? admission.nextUp : -.infinity, picked)
                                    for i in 0..<m { offer(&tops[qi], slot: base + Int(picked[i]), score: o[Int(picked[i])], s) }
                                }
                            }
                        }
                    }
                } else {
                    for qi in 0..<nq {
                        scanChunk(s, segment: si, row: row, count: n, query: queries[qi], tops: &tops[qi], scratch: &scratch)
                    }
                }
                row += n
            }
        }
    }

    /// The binary cascade for one query: a Hamming scan of every code, a histogram to
    /// find the distance that admits about `prefilter` candidates (no heap in the hot
    /// loop), int8 re-scoring of those, and the best `depth` by int8 score.
    func cascade(_ s: GallerySnapshot, query q: PreparedQuery, total: Int, depth: Int, prefilter: Int, threads: Int) -> TopK {
        guard let bits = q.bits, let p = q.int8 else { return TopK(k: depth) }
        let maxDistance = dimension
        let per = (total + threads - 1) / threads
        // Phase 1: distances and their histogram, per thread over its share of slots.
        let distances = SharedBuffer<UInt16>(count: total)
        let histograms = LockedValue([[UInt32]]())
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var histogram = [UInt32](repeating: 0, count: maxDistance + 1)
            var slot = t * per
            let end = min(total, (t + 1) * per)
            while slot < end {
                let (si, row) = s.locate(slot)
                let n = min(end - slot, s.filled[si] - row)
                if n <= 0 { break }
                guard let codes = s.segments[si].bits else { return }
                bits.withUnsafeBufferPointer { qp in
                    bmk_hamming(qp.baseAddress, codes + row * s.segments[si].words, n, s.segments[si].words, distances.base + slot)
                }
                histogram.withUnsafeMutableBufferPointer { bmk_u16_histogram(distances.base + slot, n, $0.baseAddress, maxDistance) }
                slot += n
            }
            histograms.withLock { $0.append(histogram) }
        }
        var cumulative = [Int](repeating: 0, count: maxDistance + 1)
        for h in histograms.withLock({ $0 }) { for v in 0...maxDistance { cumulative[v] += Int(h[v]) } }
        for v in 1...maxDistance { cumulative[v] += cumulative[v - 1] }
        var limit = cumulative.firstIndex { $0 >= prefilter } ?? maxDistance
        if limit > 0 && cumulative[limit] > 4 * prefilter && cumulative[limit - 1] >= depth { limit -= 1 }
        let admitted = UInt16(limit)
        // Phase 2: int8 scores of the admitted candidates.
        let partials = LockedValue([TopK]())
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var top = TopK(k: depth)
            var slot = t * per
            let end = min(total, (t + 1) * per)
            var picked = [UInt32](repeating: 0, count: Self.chunkRows)
            var score: Int32 = 0
            while slot < end {
                let n = min(Self.chunkRows, end - slot)
                let m = picked.withUnsafeMutableBufferPointer { bmk_u16_select_le(distances.base + slot, n, admitted, $0.baseAddress) }
                for i in 0..<m {
                    let candidate = slot + Int(picked[i])
                    let (si, row) = s.locate(candidate)
                    guard row < s.filled[si], let codes = s.segments[si].codes else { continue }
                    if let dead = s.tombstones, dead.contains(candidate) { continue }
                    p.values.withUnsafeBufferPointer { bmk_s8u8_scores($0.baseAddress, codes + row * dimension, 1, dimension, &score) }
                    top.offer(index: candidate, score: Float(score))
                }
                slot += n
            }
            partials.withLock { $0.append(top) }
        }
        var merged = TopK(k: depth)
        for t in partials.withLock({ $0 }) { merged.merge(t) }
        return merged
    }

    /// Re-scores candidates exactly (when float vectors are kept) and maps slots to ids.
    func finish(_ top: TopK, prepared: PreparedQuery, snapshot s: GallerySnapshot, k: Int) -> [GalleryCandidate] {
        let candidates = top.sorted
        var final = TopK(k: k)
        var one: Float = 0
        for c in candidates {
            let (si, row) = s.locate(c.index)
            let segment = s.segments[si]
            var score = c.score
            if mode != .float32 {
                if let floats = segment.floats {
                    prepared.floats.withUnsafeBufferPointer { qp in
                        bmk_f32_scores(qp.baseAddress, floats + row * dimension, 1, dimension, &one)
                    }
                    score = one
                } else if let p = prepared.int8 {
                    score = (c.score - 128 * Float(p.sum)) * p.step  // int8 estimate
                }
            }
            final.offer(index: c.index, score: score)
        }
        return final.sorted.map { e in
            let (si, row) = s.locate(e.index)
            return GalleryCandidate(id: s.segments[si].ids[row], score: e.score)
        }
    }
}

/// Cores available to the process.
enum ProcessInfoCores {
    static let count: Int = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A heap buffer shared by the threads of one search, each writing its own disjoint
/// range before any reads it back (the phases are separated by concurrentPerform).
final class SharedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(count: Int) { base = UnsafeMutablePointer<T>.allocate(capacity: max(1, count)) }
    deinit { base.deallocate() }
}
