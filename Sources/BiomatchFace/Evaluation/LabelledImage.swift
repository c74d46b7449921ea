import Foundation

/// An image file with the identity it shows, as read from a dataset folder.
public struct LabelledImage: Sendable, Hashable {
    public var url: URL
    public var identity: String

    public init(url: URL, identity: String) {
        self.url = url
        self.identity = identity
    }

    /// File extensions taken for images.
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "pgm", "ppm", "pnm", "gif", "bmp", "webp"]

    /// The images of a dataset folder that holds one sub-folder per identity (searched
    /// recursively), sorted by path so every run sees the same order.
    ///
    /// - Throws: ``FaceError`` `unreadableInput` when the folder cannot be listed or holds
    ///   no identity folders.
    public static func scan(_ directory: String) throws -> [LabelledImage] {
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        let fm = FileManager.default
        guard let identities = try? fm.contentsOfDirectory(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else {
            throw FaceError(.unreadableInput, "cannot list the dataset folder \(directory)")
        }
        var images: [LabelledImage] = []
        for folder in identities where (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            guard let walker = fm.enumerator(at: folder, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in walker where extensions.contains(file.pathExtension.lowercased()) {
                images.append(LabelledImage(url: file, identity: folder.lastPathComponent))
            }
        }
        guard !images.isEmpty else {
            throw FaceError(.unreadableInput, "\(directory) holds no identity folders with images")
        }
        return images.sorted { $0.url.path < $1.url.path }
    }
}
