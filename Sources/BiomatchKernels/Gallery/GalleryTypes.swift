/// How a gallery stores templates and scans them.
public enum GalleryMode: String, Sendable, CaseIterable, Codable {
    /// Float vectors, exact inner-product scan (SIMD; CBLAS sgemm for batches).
    case float32
    /// 8-bit scalar-quantised scan, best candidates re-scored exactly in float.
    case int8
    /// A cascade: sign-bit codes scanned by Hamming distance (popcount), the closest
    /// candidates re-scored with the int8 codes, the best of those exactly in float.
    /// The fastest scan.
    case binary
}

/// One search result: a template id and its score (inner product; cosine for unit
/// vectors).
public struct GalleryCandidate: Sendable, Hashable, Codable {
    public var id: UInt64
    public var score: Float
    public init(id: UInt64, score: Float) { self.id = id; self.score = score }
}

/// Per-call search options (FAISS's `SearchParameters`).
public struct GallerySearchParameters: Sendable {
    /// Candidates re-scored exactly after an int8 or binary scan; `nil` picks the mode's
    /// default (int8: max(8k, 64); binary: max(64k, 1024)).
    public var rerankDepth: Int?
    /// Binary mode: candidates kept from the Hamming scan for int8 re-scoring; `nil`
    /// picks 1.5 % of the gallery, at least 4096.
    public var prefilterDepth: Int?
    /// Threads for one query's scan (`nil`: all cores once the gallery is large).
    public var threads: Int?

    public init(rerankDepth: Int? = nil, prefilterDepth: Int? = nil, threads: Int? = nil) {
        self.rerankDepth = rerankDepth
        self.prefilterDepth = prefilterDepth
        self.threads = threads
    }
}

/// Resident bytes a gallery uses for each template.
public struct GalleryMemory: Sendable, Codable, Hashable {
    /// Bytes of scanned codes or vectors.
    public var scanBytes: Int
    /// Bytes of float vectors kept for exact re-ranking (0 when not kept).
    public var rerankBytes: Int
    /// Bytes of the id.
    public var idBytes: Int
    /// All of the above.
    public var total: Int { scanBytes + rerankBytes + idBytes }
}

/// Errors of gallery operations.
public struct GalleryError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A searchable set of fixed-length templates with 64-bit ids: add, remove, search —
/// the shape of FAISS's `Index`.
///
/// Conforming types are safe to use from many tasks at once; every search sees one
/// consistent snapshot of the gallery, whatever adds and removes run alongside.
public protocol Gallery: AnyObject, Sendable {
    /// Length of every template.
    var dimension: Int { get }
    /// Number of searchable templates.
    var count: Int { get }
    /// The storage mode.
    var mode: GalleryMode { get }
    /// Resident bytes per template.
    var memoryPerTemplate: GalleryMemory { get }

    /// Adds templates; an id already present is replaced.
    ///
    /// - Throws: ``GalleryError`` when a vector's length is not ``dimension``, a value is
    ///   not finite, or `vectors` and `ids` differ in length. Nothing is added then.
    func add(_ vectors: [[Float]], ids: [UInt64]) throws

    /// Removes the templates with these ids; returns how many were present.
    @discardableResult func remove(ids: [UInt64]) -> Int

    /// Removes every template.
    func removeAll()

    /// The `k` best templates for `query`, best first.
    func search(_ query: [Float], k: Int, parameters: GallerySearchParameters) throws -> [GalleryCandidate]

    /// The `k` best templates for each query, in query order.
    func search(batch queries: [[Float]], k: Int, parameters: GallerySearchParameters) throws -> [[GalleryCandidate]]
}
