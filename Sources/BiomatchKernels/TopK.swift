/// Keeps the `k` highest-scoring entries seen so far: a bounded min-heap, so a scan of
/// n scores costs O(n log k) and O(k) memory.
///
/// Ties are broken by the lower index, so results are deterministic whatever order the
/// scores arrive in. Not thread-safe: give each scanning thread its own and ``merge(_:)``.
public struct TopK: Sendable {
    /// One kept entry.
    public struct Entry: Sendable, Hashable {
        public var index: Int
        public var score: Float
        public init(index: Int, score: Float) { self.index = index; self.score = score }
    }

    /// The capacity.
    public let k: Int
    // Min-heap on (score, −index): the root is the weakest kept entry.
    private var heap: [Entry] = []

    /// An empty selection of capacity `k` (≥ 0).
    public init(k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(self.k)
    }

    /// The weakest kept score, or −∞ while fewer than `k` are kept: a score must beat
    /// this to enter, so a scan can skip work early.
    public var admissionScore: Float { heap.count < k ? -.infinity : heap[0].score }

    /// Offers one entry. NaN scores are never kept.
    public mutating func offer(index: Int, score: Float) {
        guard k > 0, !score.isNaN else { return }
        let entry = Entry(index: index, score: score)
        if heap.count < k {
            heap.append(entry)
            siftUp(heap.count - 1)
        } else if Self.weaker(heap[0], entry) {
            heap[0] = entry
            siftDown(0)
        }
    }

    /// Adds every entry of `other` (results of another thread's share of a scan).
    public mutating func merge(_ other: TopK) {
        for e in other.heap { offer(index: e.index, score: e.score) }
    }

    /// The kept entries, best first.
    public var sorted: [Entry] {
        heap.sorted { Self.weaker($1, $0) }
    }

    /// `a` ranks below `b`: lower score, or equal score and higher index.
    private static func weaker(_ a: Entry, _ b: Entry) -> Bool {
        a.score < b.score || (a.score == b.score && a.index > b.index)
    }

    private mutating func siftUp(_ i: Int) {
        var child = i
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.weaker(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var parent = i
        while true {
            let left = 2 * parent + 1, right = left + 1
            var weakest = parent
            if left < heap.count && Self.weaker(heap[left], heap[weakest]) { weakest = left }
            if right < heap.count && Self.weaker(heap[right], heap[weakest]) { weakest = right }
            if weakest == parent { return }
            heap.swapAt(parent, weakest)
            parent = weakest
        }
    }
}
