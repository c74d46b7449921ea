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
    /// Streams the active, valid templates of one modality (and optionally one model) in
    /// pages of `batchSize` to `consume` — for filling a 1:N gallery with bounded memory
    /// (about two pages of plaintext at a time).
    ///
    /// The next page is read from the database while `threads` threads authenticate,
    /// decrypt and `decode` the current one, so the database, the cipher and the decoder
    /// run side by side. A record that fails authentication is not handed over; its id is
    /// listed in the report (and logged), and loading goes on, so one damaged row can
    /// neither take a terminal fleet down nor slip into the gallery. A template `decode`
    /// rejects is listed in ``LoadReport/decodeFailures``.
    ///
    /// - Throws: ``StoreError`` `backend`, `wrongKey` (a record under a key this handle
    ///   lacks), or whatever `consume` throws.
    public func loadTemplates<Decoded: Sendable>(
        modality: Modality, modelID: String? = nil, batchSize: Int = 8192, threads: Int = 2,
        at time: Int64 = TemplateStore.now(),
        decode: @escaping @Sendable (StoredTemplate) throws -> Decoded,
        _ consume: ([LoadedTemplate<Decoded>]) throws -> Void
    ) throws -> LoadReport {
        let start = DispatchTime.now().uptimeNanoseconds
        var report = LoadReport()
        let parts = max(1, threads)
        let limit = max(1, batchSize)
        let backend = self.backend
        @Sendable func fetch(after: Int64) -> Result<[ReferenceRow], any Error> {
            Result { try backend.read { try $0.referencePage(modality: modality.rawValue, modelID: modelID, afterSeq: after, limit: limit) } }
        }
        var next = fetch(after: 0)
        while true {
            let page = try next.get()
            guard let last = page.last else { break }
            // Read ahead while this page is processed.
            let ahead = LockedBox<Result<[ReferenceRow], any Error>>()
            let reading = DispatchGroup()
            if page.count == limit {
                DispatchQueue.global().async(group: reading) { ahead.set(fetch(after: last.seq)) }
            }
            // Contiguous chunks, one per thread, each collected locally: no lock per row.
            let ring = keys
            let chunks = min(parts, page.count)
            let outputs = (0..<chunks).map { _ in LockedBox<ChunkOutput<Decoded>>() }
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var out = ChunkOutput<Decoded>()
                let range = (page.count * c / chunks) ..< (page.count * (c + 1) / chunks)
                out.loaded.reserveCapacity(range.count)
                for i in range {
                    let row = page[i]
                    guard row.status == ReferenceStatus.active.rawValue else { out.revoked += 1; continue }
                    do {
                        let t = try open(row, keys: ring)
                        if t.info.status != .active { out.revoked += 1; continue }
                        if !t.info.validity.contains(time) { out.expired += 1; continue }
                        do { out.loaded.append(LoadedTemplate(info: t.info, value: try decode(t))) } catch { out.undecodable.append(row.id) }
                    } catch let error as StoreError where error.code == .integrity {
                        out.tampered.append(row.id)
                    } catch {
                        out.failure = error
                        break
                    }
                }
                outputs[c].set(out)
            }
            var batch: [LoadedTemplate<Decoded>] = []
            batch.reserveCapacity(page.count)
            for box in outputs {
                guard let out = box.value else { continue }
                if let failure = out.failure {
                    reading.wait()
                    throw failure
                }
                batch += out.loaded
                report.skippedRevoked += out.revoked
                report.skippedExpired += out.expired
                report.decodeFailures += out.undecodable
                report.integrityFailures += out.tampered
                for id in out.tampered {
                    logger.error("reference failed its integrity check while loading; skipped", metadata: ["reference": "\(id)"])
                }
            }
            report.loaded += batch.count
            try consume(batch)
            reading.wait()
            next = ahead.value ?? .success([])
        }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return report
    }

    /// ``loadTemplates(modality:modelID:batchSize:threads:at:decode:_:)`` handing over the
    /// authenticated templates as they are.
    public func loadTemplates(modality: Modality, modelID: String? = nil, batchSize: Int = 8192, threads: Int = 2,
                              at time: Int64 = TemplateStore.now(),
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
    var failure: (any Error)?
}

/// One value set from another thread.
private final class LockedBox<Value>: @unchecked Sendable {
    private var stored: Value?
    private let lock = NSLock()

    func set(_ v: Value) {
        lock.lock()
        stored = v
        lock.unlock()
    }

    var value: Value? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

