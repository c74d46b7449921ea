import ArgumentParser
import BiomatchEngine
import BiomatchFace
import BiomatchLiveness
import Dispatch
import Foundation

extension BenchCommand {
    /// `biomatch bench pad`: passive face PAD latency on 640×480 frames.
    struct Pad: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of passive face PAD on 640×480 frames: face detection, passive face features (colour texture, image distortion), score — one frame at a time.",
            discussion: "Frames are decoded (and scaled to --width × --height when they differ) before timing starts, after a warm-up pass over the first few.")
        @Option(help: "Folder of face images (searched recursively).") var images: String
        @Option(help: "Use at most this many images.") var limit = 200
        @Option(help: "Frame width.") var width = 640
        @Option(help: "Frame height.") var height = 480
        @Option(help: "OpenCV threads (0: OpenCV's default, all cores).") var threads = 0
        @Option(help: "Model file (default: Models/pad-face-lbp.json).") var model: String?
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var frames: Int
            var faces: Int
            var width: Int
            var height: Int
            var threads: Int
            var detectP50Ms: Double
            var padP50Ms: Double
            var totalP50Ms: Double
            var totalP90Ms: Double
            var totalMeanMs: Double
        }

        func run() throws {
            if threads > 0 { ComputeThreads.setOpenCVThreads(threads) }
            let assessor = LivenessAssessor(pipeline: FacePipeline(models: try loadModels()),
                                            passiveFace: try loadPADModel(model, modality: .face), fingerprint: nil)
            let frames = try imageFiles(in: images, limit: limit).compactMap { url -> DecodedImage? in
                guard let image = try? DecodedImage(contentsOf: url) else { return nil }
                return image.width == width && image.height == height ? image : try? image.resized(width: width, height: height)
            }
            guard !frames.isEmpty else { printError("no decodable images in \(images)"); throw ExitCode(2) }
            func once(_ frame: DecodedImage) throws -> (detect: Double, pad: Double)? {
                let t0 = DispatchTime.now().uptimeNanoseconds
                guard let face = try? assessor.face(in: frame) else { return nil }
                let t1 = DispatchTime.now().uptimeNanoseconds
                _ = try assessor.passiveScore(frame, face: face)
                let t2 = DispatchTime.now().uptimeNanoseconds
                return (Double(t1 - t0) / 1e6, Double(t2 - t1) / 1e6)
            }
            for frame in frames.prefix(5) { _ = try? once(frame) }  // warm-up
            var detect: [Double] = [], pad: [Double] = [], total: [Double] = []
            for frame in frames {
                guard let t = try? once(frame) else { continue }
                detect.append(t.detect); pad.append(t.pad); total.append(t.detect + t.pad)
            }
            guard !total.isEmpty else { printError("no face was found in any frame"); throw ExitCode(2) }
            func p(_ v: [Double], _ q: Double) -> Double { let s = v.sorted(); return s[min(s.count - 1, Int(Double(s.count) * q))] }
            let report = Report(frames: frames.count, faces: total.count, width: width, height: height, threads: threads,
                                detectP50Ms: p(detect, 0.5), padP50Ms: p(pad, 0.5), totalP50Ms: p(total, 0.5), totalP90Ms: p(total, 0.9),
                                totalMeanMs: total.reduce(0, +) / Double(total.count))
            if json { try printJSON(report); return }
            print(String(format: "%d frames %d×%d, %d with a face (OpenCV threads: %@)", report.frames, width, height, report.faces, threads == 0 ? "default" : "\(threads)"))
            print(String(format: "detection p50 %.2f ms; passive features + score p50 %.2f ms", report.detectP50Ms, report.padP50Ms))
            print(String(format: "passive PAD per frame, detection included: p50 %.2f ms, p90 %.2f ms, mean %.2f ms", report.totalP50Ms, report.totalP90Ms, report.totalMeanMs))
        }
    }
}
