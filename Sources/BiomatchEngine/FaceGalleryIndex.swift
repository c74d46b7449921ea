import BiomatchFace
import BiomatchKernels
import BiomatchStore

/// The engine's in-memory 1:N face gallery: the kernel gallery plus the map from its
/// numeric ids to store references, used by batch enrollment's duplicate check.
struct FaceGalleryIndex {
    let gallery: VectorGallery
    private(set) var references: [UInt64: (subjectID: String, referenceID: String)] = [:]
    private var idsBySubject: [String: [UInt64]] = [:]
    private var nextID: UInt64 = 1

    init(dimension: Int) {
        gallery = VectorGallery(dimension: dimension, mode: .float32)
    }

    var count: Int { gallery.count }

    /// Every active, valid face reference of `modelID` in `store` at `time`; nil when there
    /// is none (the dimension is then unknown). Callers map store errors to their own.
    static func load(from store: TemplateStore, modelID: String, at time: Int64) throws -> FaceGalleryIndex? {
        var index: FaceGalleryIndex?
        _ = try store.loadTemplates(modality: .face, modelID: modelID, at: time,
                                    decode: { try FaceTemplate(serialized: $0.template).values }) { batch in
            if index == nil, let first = batch.first { index = FaceGalleryIndex(dimension: first.value.count) }
            try index?.add(batch.map(\.value), subjects: batch.map { ($0.info.subjectID, $0.info.id) })
        }
        return index
    }

    mutating func add(_ vectors: [[Float]], subjects: [(subjectID: String, referenceID: String)]) throws {
        var ids: [UInt64] = []
        for entry in subjects {
            ids.append(nextID)
            references[nextID] = entry
            idsBySubject[entry.subjectID, default: []].append(nextID)
            nextID += 1
        }
        try gallery.add(vectors, ids: ids)
    }

    mutating func remove(subjectID: String) {
        guard let ids = idsBySubject.removeValue(forKey: subjectID) else { return }
        gallery.remove(ids: ids)
        for id in ids { references[id] = nil }
    }
}
