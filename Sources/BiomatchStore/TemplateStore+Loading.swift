import Dispatch
import Foundation
import Logging

/// What a gallery load did.
public struct LoadReport: Sendable, Hashable, Codable {
    /// Templates handed to the consumer.
    public var loaded = 0
    /// Revoked references skipped.
    public var skippedRevoked = 0
    /// References outside their validity period skipped.
    public var skippedExpired = 0
    /// References that failed authentication (never handed over), by id.
    public var integrityFailures: [String] = []
    /// References whose template the caller's decoder rejected, by id.
    public var decodeFailures: [String] = []
    /// Wall time, seconds.
    public var seconds = 0.0
    /// Loaded templates per second.
    public var templatesPerSecond: Double { seconds > 0 ? Double(loaded) / seconds : 0 }
}

/// One loaded template: its metadata and what the caller's decoder made of it.
public struct LoadedTemplate<Decoded: Sendable>: Sendable {
    /// The reference's metadata.
    public let info: ReferenceInfo
    /// The decoded template.
    public let value: Decoded
}

extension TemplateStore {
    /// Streams the active templates of one modality (and optionally one model), valid at
    /// `time` (any validity when nil: a caller that checks validity at decision time), to
    /// `consume` in batches — for filling a 1:N gallery with bounded memory (about
    /// `threads` windows of `batchSize` rows of plaintext at a time).
    ///
    /// The store is cut into windows of `batchSize` sequence numbers; each of `threads`
    /// threads reads a window, authenticates, decrypts and `decode`s it, and hands it to
    /// `consume` (one call at a time, windows in no particular order), so reading,
    /// cipher work and decoding run on every core. References enrolled after the load
    /// starts are not included. A record that fails authentication is not handed over;
    /// its id is listed in the report (and logged), and loading goes on, so one damaged
    /// row can neither take a terminal fleet down nor slip into the gallery. A template
    /// `decode` rejects is listed in ``LoadReport/decodeFailures``.
    ///
    /// - Throws: ``StoreError`` `backend`, `wrongKey` (a record under a key this handle
    ///   lacks), or whatever `consume` throws (loading stops).
    public func loadTemplates<Decoded: Sendable>(
        modality: Modality, modelID: String? = nil, batchSize: Int = 8192, threads: Int = 2,
        at time: Int64? = TemplateStore.now(),
        decode: @escaping @Sendable (StoredTemplate) throws -> Decoded,
        _ consume: ([LoadedTemplate<Decoded>]) throws -> Void
    ) throws -> LoadReport {
        let start = DispatchTime.now().uptimeNanoseconds
        let window = Int64(max(1, batchSize))
        let last = try backend.read { try $0.maxReferenceSeq() }
        let ring = keys
        let state = LoadState()
        withoutActuallyEscaping(consume) { consume in
            // `consume` is only ever called under the state's lock, one call at a time.
            nonisolated(unsafe) let consume = consume
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
                while let low = state.nextWindow(size: window, through: last) {
                    var out = ChunkOutput<Decoded>()
                    do {
                        let rows = try backend.read {
                            try $0.referenceWindow(modality: modality.rawValue, modelID: modelID, afterSeq: low, throughSeq: min(last, low + window))
                        }
                        out.loaded.reserveCapacity(rows.count)
                        for row in rows {
                            guard row.status == ReferenceStatus.active.rawValue else { out.revoked += 1; continue }
                            do {
                                let t = try open(row, keys: ring)
                                if t.info.status != .active { out.revoked += 1; continue }
                                if let time, !t.info.validity.contains(time) { out.expired += 1; continue }
                                do { out.loaded.append(LoadedTemplate(info: t.info, value: try decode(t))) } catch { out.undecodable.append(row.id) }
                            } catch let error as StoreError where error.code == .integrity {
                                out.tampered.append(row.id)
                            }
                        }
                    } catch {
                        state.fail(error)
                        return
                    }
                    for id in out.tampered {
                        logger.error("reference failed its integrity check while loading; skipped", metadata: ["reference": "\(id)"])
                    }
                    state.deliver(out, consume)
                }
            }
        }
        if let failure = state.failure { throw failure }
        var report = state.report
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return report
    }

    /// ``loadTemplates(modality:modelID:batchSize:threads:at:decode:_:)`` handing over the
    /// authenticated templates as they are.
    ///
    /// - Throws: ``StoreError`` `integrity` for a record that fails authentication, `backend` for the database, or what `consume` throws.
    public func loadTemplates(modality: Modality, modelID: String? = nil, batchSize: Int = 8192, threads: Int = 2,
                              at time: Int64? = TemplateStore.now(),
                              _ consume: ([StoredTemplate]) throws -> Void) throws -> LoadReport {
        try loadTemplates(modality: modality, modelID: modelID, batchSize: batchSize, threads: threads, at: time,
                          decode: { $0 }) { batch in try consume(batch.map(\.value)) }
    }
}

/// What one thread made of its chunk of a page.
private struct ChunkOutput<Decoded: Sendable>: Sendable {
    var loaded: [LoadedTemplate<Decoded>] = []
    var revoked = 0
    var expired = 0
    var undecodable: [String] = []
    var tampered: [String] = []
}

/// Shared state of a load: the next window, the report, the first failure, and the
/// lock that serialises `consume`.
private final class LoadState: @unchecked Sendable {
    private let lock = NSLock()
    private var next: Int64 = 0
    private(set) var report = LoadReport()
    private(set) var failure: (any Error)?

    func nextWindow(size: Int64, through last: Int64) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, next < last else { return nil }
        let low = next
        next += size
        return low
    }

    func fail(_ error: any Error) {
        lock.lock()
        if failure == nil { failure = error }
        lock.unlock()
    }

    func deliver<Decoded>(_ out: ChunkOutput<Decoded>, _ consume: ([LoadedTemplate<Decoded>]) throws -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        report.loaded += out.loaded.count
        report.skippedRevoked += out.revoked
        report.skippedExpired += out.expired
        report.decodeFailures += out.undecodable
        report.integrityFailures += out.tampered
        do { try consume(out.loaded) } catch { failure = error }
    }
}

