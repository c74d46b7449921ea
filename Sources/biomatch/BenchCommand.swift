import ArgumentParser
import BiomatchFace
import Dispatch
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Throughput and latency benchmarks.",
        subcommands: [Face.self, BenchIdentify.self, Finger.self, Pad.self, EngineThroughput.self])

    struct Face: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-image latency of detect + align + embed on a folder of images, one image at a time.",
            discussion: "Images are decoded before timing starts; each image is processed once after one warm-up pass over the first few. OpenCV uses all cores within each image.")

        @Option(help: "Folder of images (searched recursively).") var images: String
        @Option(help: "Use at most this many images.") var limit: Int = 500
        @Flag(help: "Also embed the mirror image (the accuracy-first mode).") var flip = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var options = FacePipeline.Options()
            options.flipAugmentation = flip
            let pipeline = FacePipeline(models: try loadModels(), options: options)
            let decoded = try imageFiles(in: images, limit: limit).compactMap { try? DecodedImage(contentsOf: $0) }
            guard !decoded.isEmpty else {
                printError("no decodable images in \(images)")
                throw ExitCode(2)
            }
            for image in decoded.prefix(5) { _ = try? pipeline.capture(in: image) }  // warm-up
            var latencies: [Double] = []
            var faces = 0
            for image in decoded {
                let start = DispatchTime.now().uptimeNanoseconds
                if (try? pipeline.capture(in: image)) != nil { faces += 1 }
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            let sorted = latencies.sorted()
            let report = LatencyReport(
                implementation: "biomatch (Swift, OpenCV \(FacePipeline.openCVVersion))", images: decoded.count, faces: faces,
                meanMs: latencies.reduce(0, +) / Double(latencies.count),
                p50Ms: sorted[sorted.count / 2], p90Ms: sorted[min(sorted.count - 1, sorted.count * 9 / 10)],
                flip: flip)
            if json { try printJSON(report) } else {
                print(String(format: "%d images, %d faces: mean %.2f ms, p50 %.2f ms, p90 %.2f ms per image", report.images, report.faces, report.meanMs, report.p50Ms, report.p90Ms))
            }
        }
    }
}

struct LatencyReport: Encodable {
    var implementation: String
    var images: Int
    var faces: Int
    var meanMs: Double
    var p50Ms: Double
    var p90Ms: Double
    var flip: Bool

    enum CodingKeys: String, CodingKey {
        case implementation, images, faces, flip
        case meanMs = "mean_ms"
        case p50Ms = "p50_ms"
        case p90Ms = "p90_ms"
    }
}

/// The image files below `folder` (recursively), in path order, at most `limit`.
func imageFiles(in folder: String, limit: Int) throws -> [URL] {
    guard let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: folder, isDirectory: true), includingPropertiesForKeys: nil) else {
        printError("cannot list \(folder)")
        throw ExitCode(2)
    }
    var files: [URL] = []
    for case let f as URL in walker where LabelledImage.extensions.contains(f.pathExtension.lowercased()) { files.append(f) }
    return Array(files.sorted { $0.path < $1.path }.prefix(limit))
}
