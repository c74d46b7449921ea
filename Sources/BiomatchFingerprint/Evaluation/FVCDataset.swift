import Foundation

/// A folder of FVC-named fingerprint images: `F_k.ext` is impression `k` of finger `F`.
public struct FVCDataset: Sendable {
    /// One image of the set.
    public struct Item: Sendable, Hashable {
        /// Finger number (FVC: 101–110 in set B).
        public let finger: Int
        /// Impression number (1–8).
        public let impression: Int
        /// The image file.
        public let url: URL
    }

    /// The folder.
    public let directory: URL
    /// Images sorted by finger, then impression.
    public let items: [Item]
    /// Capture resolution of every image.
    public let dpi: Int

    /// Scans `directory` for `F_k.png|tif|bmp|pgm|jpg` files. `dpi` nil picks 569 for a
    /// folder named like FVC2002 DB2 and 500 otherwise.
    /// - Throws: ``FingerprintError/Code/unreadableInput`` when the folder has no such files.
    public init(directory: URL, dpi: Int? = nil) throws(FingerprintError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw FingerprintError(.unreadableInput, "cannot list \(directory.path): \(error.localizedDescription)")
        }
        var items: [Item] = []
        for name in names {
            let parts = name.split(separator: ".")
            guard parts.count == 2, ["png", "tif", "tiff", "bmp", "pgm", "jpg"].contains(parts[1].lowercased()) else { continue }
            let ids = parts[0].split(separator: "_")
            guard ids.count == 2, let f = Int(ids[0]), let k = Int(ids[1]) else { continue }
            items.append(Item(finger: f, impression: k, url: directory.appendingPathComponent(name)))
        }
        guard !items.isEmpty else {
            throw FingerprintError(.unreadableInput, "\(directory.path) holds no FVC-named images (F_k.png)")
        }
        self.directory = directory
        self.items = items.sorted { ($0.finger, $0.impression) < ($1.finger, $1.impression) }
        self.dpi = dpi ?? (directory.lastPathComponent.uppercased().hasPrefix("DB2") ? 569 : 500)
    }

    /// A subset of a scanned set (some fingers or impressions), at the set's resolution.
    public func subset(_ keep: (Item) -> Bool) -> FVCDataset {
        FVCDataset(directory: directory, items: items.filter(keep), dpi: dpi)
    }

    private init(directory: URL, items: [Item], dpi: Int) {
        self.directory = directory
        self.items = items
        self.dpi = dpi
    }
}
