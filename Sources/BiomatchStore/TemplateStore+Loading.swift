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
    /// Wall time, seconds.
    public var seconds = 0.0
    /// Loaded templates per second.
    public var templatesPerSecond: Double { seconds > 0 ? Double(loaded) / seconds : 0 }
}

extension TemplateStore {
    /// Streams the active, valid templates of one modality (and optionally one model) in
    /// pages of `batchSize`, authenticated and decrypted on `threads` threads, to
    /// `consume` — for filling a 1:N gallery with bounded memory (one page of
    /// plaintext at a time).
    ///
    /// A record that fails authentication is not handed over; its id is listed in the
    /// report (and logged), and loading goes on, so one damaged row cannot take a
    /// terminal fleet down nor slip into the gallery.
    ///
    /// - Throws: ``StoreError`` `backend`, `wrongKey` (a record under a key this handle
    ///   lacks), or whatever `consume` throws.
    public func loadTemplates(modality: Modality, modelID: String? = nil, batchSize: Int = 8192, threads: Int = 2,
                              at time: Int64 = TemplateStore.now(),
                              _ consume: ([StoredTemplate]) throws -> Void) throws -> LoadReport {
        let start = DispatchTime.now().uptimeNanoseconds
        var report = LoadReport()
        var after: Int64 = 0
        let parts = max(1, threads)
        while true {
            let page = try backend.read { try $0.referencePage(modality: modality.rawValue, modelID: modelID, afterSeq: after, limit: max(1, batchSize)) }
            guard let last = page.last else { break }
            after = last.seq
            let results = LockedResults(count: page.count)
            DispatchQueue.concurrentPerform(iterations: min(parts, page.count)) { part in
                var i = part
                while i < page.count {
                    let row = page[i]
                    if row.status != ReferenceStatus.active.rawValue {
                        results.set(i, .revoked)
                    } else {
                        do { results.set(i, .opened(try open(row))) } catch let error as StoreError where error.code == .integrity {
                            results.set(i, .tampered(row.id))
                        } catch {
                            results.set(i, .failed(error))
                        }
                    }
                    i += parts
                }
            }
            var batch: [StoredTemplate] = []
            batch.reserveCapacity(page.count)
            for r in results.values {
                switch r {
                case .opened(let t):
                    if t.info.status != .active { report.skippedRevoked += 1 }
                    else if !t.info.validity.contains(time) { report.skippedExpired += 1 }
                    else { batch.append(t) }
                case .revoked: report.skippedRevoked += 1
                case .tampered(let id):
                    report.integrityFailures.append(id)
                    logger.error("reference failed its integrity check while loading; skipped", metadata: ["reference": "\(id)"])
                case .failed(let error): throw error
                case .pending: break
                }
            }
            report.loaded += batch.count
            try consume(batch)
        }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return report
    }
}

/// Per-row results written from several threads.
private final class LockedResults: @unchecked Sendable {
    enum Result {
        case pending
        case opened(StoredTemplate)
        case revoked
        case tampered(String)
        case failed(any Error)
    }

    private var storage: [Result]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: .pending, count: count) }

    func set(_ i: Int, _ r: Result) {
        lock.lock()
        storage[i] = r
        lock.unlock()
    }

    var values: [Result] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
