import BiomatchEvaluation
import BiomatchKernels
import Dispatch
import Foundation
import Synchronization

/// An all-pairs verification evaluation of a labelled image set (ISO/IEC 19795-1):
/// every pair of images of one identity is a genuine comparison, every other pair an
/// impostor comparison. An image that yields no template is a failure to acquire; every
/// pair that includes it counts as a non-match (score −∞) on either side.
public struct FaceEvaluation: Sendable {
    /// One failure to acquire.
    public struct Failure: Sendable, Codable {
        public var file: String
        public var reason: String
    }

    /// Number of images.
    public var images: Int
    /// Images that gave a template.
    public var templates: Int
    /// Failures to acquire, by file.
    public var failures: [Failure]
    /// Genuine and impostor scores.
    public var rates: VerificationErrorRates
    /// Wall-clock seconds spent decoding, detecting, aligning and embedding, per image.
    public var secondsPerImage: Double

    /// Failure-to-acquire rate.
    public var failureToAcquireRate: Double { images == 0 ? 0 : Double(failures.count) / Double(images) }

    /// The template of every image, or why there is none, in input order; two images
    /// at a time so decoding and quality work overlap the networks' forward passes.
    public static func extract(images: [LabelledImage], pipeline: FacePipeline, workers: Int = 2) -> [Result<FaceTemplate, FaceError>] {
        let results = Mutex([Result<FaceTemplate, FaceError>?](repeating: nil, count: images.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= images.count { break }
                let outcome: Result<FaceTemplate, FaceError>
                do {
                    let image = try DecodedImage(contentsOf: images[i].url)
                    outcome = .success(try pipeline.capture(in: image, name: images[i].url.lastPathComponent).template)
                } catch let error as FaceError {
                    outcome = .failure(error)
                } catch {
                    outcome = .failure(FaceError(.inference, "\(error)"))
                }
                results.withLock { $0[i] = outcome }
            }
        }
        return results.withLock { $0 }.map { $0 ?? .failure(FaceError(.inference, "not processed")) }
    }

    /// Extracts every image and scores all pairs with one sgemm.
    public static func run(images: [LabelledImage], pipeline: FacePipeline, workers: Int = 2) -> FaceEvaluation {
        let start = DispatchTime.now().uptimeNanoseconds
        let outcomes = extract(images: images, pipeline: pipeline, workers: workers)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        var templates: [FaceTemplate?] = []
        var failures: [Failure] = []
        for (i, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let t): templates.append(t)
            case .failure(let e):
                templates.append(nil)
                failures.append(Failure(file: images[i].url.path, reason: e.description))
            }
        }
        let valid = templates.enumerated().compactMap { i, t in t.map { (i, $0) } }
        let dimension = valid.first?.1.dimension ?? 0
        let matrix = ScoreMatrix(rows: valid.map(\.1.values), columns: valid.map(\.1.values), dimension: dimension)
        var slot = [Int](repeating: -1, count: images.count)
        for (k, (i, _)) in valid.enumerated() { slot[i] = k }

        var genuine: [Float] = [], impostor: [Float] = []
        for i in 0..<images.count {
            for j in (i + 1)..<max(i + 1, images.count) {
                var score = -Float.infinity
                if let matrix, slot[i] >= 0, slot[j] >= 0 { score = matrix[slot[i], slot[j]] }
                if images[i].identity == images[j].identity { genuine.append(score) } else { impostor.append(score) }
            }
        }
        return FaceEvaluation(
            images: images.count, templates: valid.count, failures: failures,
            rates: VerificationErrorRates(genuine: genuine, impostor: impostor),
            secondsPerImage: images.isEmpty ? 0 : seconds / Double(images.count))
    }
}
