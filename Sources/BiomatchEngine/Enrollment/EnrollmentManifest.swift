import BiomatchStore
import Foundation

/// One image to enroll.
public struct EnrollmentItem: Sendable, Hashable, Codable {
    /// The subject the image belongs to.
    public var subjectID: String
    /// Face or finger.
    public var modality: Modality
    /// ISO/IEC 19794-2 finger position (0 unknown; 0 for faces).
    public var fingerPosition: Int
    /// The image file.
    public var path: String

    /// An item.
    public init(subjectID: String, modality: Modality, fingerPosition: Int = 0, path: String) {
        self.subjectID = subjectID
        self.modality = modality
        self.fingerPosition = fingerPosition
        self.path = path
    }
}

/// Reads enrollment manifests and folders.
public enum EnrollmentManifest {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "pgm", "ppm", "tif", "tiff", "gif", "webp"]

    /// Reads a CSV manifest with a header row naming the columns `subject_id`, `modality`
    /// (`face` or `finger`), `finger_position` (optional) and `image_path`, in any order.
    /// Relative paths are resolved against the manifest's folder. Fields may be quoted.
    ///
    /// - Throws: ``EngineError`` `unsupportedObject` naming the line of any malformed row.
    public static func read(csv url: URL) throws -> [EnrollmentItem] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw EngineError(.unsupportedObject, "manifest \(url.path) cannot be read as UTF-8 text")
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        guard let headerLine = lines.first else { throw EngineError(.unsupportedObject, "manifest \(url.path) is empty") }
        let header = try fields(headerLine, line: 1, url: url).map { $0.lowercased() }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let subject = column("subject_id"), let path = column("image_path") else {
            throw EngineError(.unsupportedObject, "manifest \(url.path): the header must name subject_id and image_path (and may name modality, finger_position); it names \(header.joined(separator: ", "))")
        }
        let modality = column("modality"), position = column("finger_position")
        let base = url.deletingLastPathComponent()
        var items: [EnrollmentItem] = []
        for (n, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let f = try fields(line, line: n + 1, url: url)
            guard f.count == header.count else {
                throw EngineError(.unsupportedObject, "manifest \(url.path) line \(n + 1): \(f.count) fields, the header has \(header.count)")
            }
            let kindText = modality.map { f[$0].lowercased() } ?? "face"
            guard let kind = Modality(rawValue: kindText) else {
                throw EngineError(.unsupportedObject, "manifest \(url.path) line \(n + 1): modality \(kindText) is not face or finger")
            }
            var fingerPosition = 0
            if let position, !f[position].isEmpty {
                guard let p = Int(f[position]), (0...10).contains(p) else {
                    throw EngineError(.unsupportedObject, "manifest \(url.path) line \(n + 1): finger_position \(f[position]) is not 0–10")
                }
                fingerPosition = p
            }
            guard !f[subject].isEmpty, !f[path].isEmpty else {
                throw EngineError(.unsupportedObject, "manifest \(url.path) line \(n + 1): empty subject_id or image_path")
            }
            let file = f[path].hasPrefix("/") ? f[path] : base.appendingPathComponent(f[path]).standardizedFileURL.path
            items.append(EnrollmentItem(subjectID: f[subject], modality: kind, fingerPosition: kind == .face ? 0 : fingerPosition, path: file))
        }
        return items
    }

    /// One sub-folder per subject; every image inside (recursively) is one item, in name order.
    ///
    /// - Throws: ``EngineError`` `unsupportedObject` when the folder cannot be listed.
    public static func scan(directory url: URL, modality: Modality) throws -> [EnrollmentItem] {
        let fm = FileManager.default
        guard let folders = try? fm.contentsOfDirectory(at: url, includingPropertiesForKeys: [.isDirectoryKey]) else {
            throw EngineError(.unsupportedObject, "cannot list \(url.path)")
        }
        var items: [EnrollmentItem] = []
        for folder in folders.sorted(by: { $0.lastPathComponent.localizedStandardCompare($1.lastPathComponent) == .orderedAscending })
        where (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            let files = (fm.enumerator(at: folder, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
                .filter { imageExtensions.contains($0.pathExtension.lowercased()) }
                .sorted { $0.path.localizedStandardCompare($1.path) == .orderedAscending }
            items += files.map { EnrollmentItem(subjectID: folder.lastPathComponent, modality: modality, path: $0.path) }
        }
        guard !items.isEmpty else { throw EngineError(.unsupportedObject, "\(url.path) holds no sub-folder with images") }
        return items
    }

    /// Splits one CSV line (RFC 4180 quoting, comma separated).
    static func fields(_ line: String, line number: Int, url: URL) throws -> [String] {
        var out: [String] = [], field = "", quoted = false, wasQuoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    quoted = false
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                if wasQuoted { field.append("\"") }  // "" inside quotes
                quoted = true
                wasQuoted = true
            } else if c == "," {
                out.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
                field = ""
                wasQuoted = false
            } else {
                field.append(c)
            }
        }
        guard !quoted else { throw EngineError(.unsupportedObject, "manifest \(url.path) line \(number): an unterminated quote") }
        out.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
        return out
    }
}
