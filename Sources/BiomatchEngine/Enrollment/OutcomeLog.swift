import Foundation

/// The append-only record of a batch enrollment's decisions (JSON lines), written and
/// flushed to disk *before* the store commits the items it describes, so after any crash
/// every stored item has its line. Lines for items the store does not hold are ignored on
/// resume and decided again.
final class OutcomeLog: @unchecked Sendable {  // used from one serial queue at a time
    private let handle: FileHandle
    private let encoder: JSONEncoder

    /// Opens (creating if needed) the log at `url` for appending.
    init(url: URL) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw EngineError(.store, "cannot create the outcome log \(url.path)")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw EngineError(.store, "cannot open the outcome log \(url.path): \(error.localizedDescription)")
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    deinit { try? handle.close() }

    /// Appends records and forces them to disk.
    func append(_ records: [EnrollmentRecord]) throws {
        guard !records.isEmpty else { return }
        var data = Data()
        for record in records {
            data += try encoder.encode(record)
            data.append(0x0A)
        }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw EngineError(.store, "cannot write the outcome log: \(error.localizedDescription)")
        }
    }

    /// Every complete line of an existing log by input position (the last line for a
    /// position wins); a torn last line from a crash is skipped. A caller checks that a
    /// record still describes the item at its position.
    static func read(_ url: URL) -> [Int: EnrollmentRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        let decoder = JSONDecoder()
        var records: [Int: EnrollmentRecord] = [:]
        for line in data.split(separator: 0x0A) {
            guard let r = try? decoder.decode(EnrollmentRecord.self, from: line) else { continue }
            records[r.index] = r
        }
        return records
    }
}
