import Benchmark
import BiomatchKernels
import Foundation

/// Seeded unit vectors, so every run measures the same data.
func unitVectors(_ n: Int, _ d: Int, seed: UInt64) -> [[Float]] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    func next() -> Float {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return Float((state &* 0x2545_F491_4F6C_DD1D) >> 40) / Float(1 << 23) - 1
    }
    return (0..<n).map { _ in VectorSimilarity.l2Normalized((0..<d).map { _ in next() }) ?? [] }
}

let gallerySize = Int(ProcessInfo.processInfo.environment["BIOMATCH_BENCH_GALLERY"] ?? "") ?? 100_000
let dimension = 128

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    let data = unitVectors(gallerySize, dimension, seed: 1)
    let queries = unitVectors(256, dimension, seed: 2)

    for mode in GalleryMode.allCases {
        let gallery = VectorGallery(dimension: dimension, mode: mode)
        try? gallery.add(data, ids: (0..<gallerySize).map(UInt64.init))

        Benchmark("Gallery.search single top-10 \(mode) N=\(gallerySize)") { benchmark in
            for i in benchmark.scaledIterations {
                blackHole(try gallery.search(queries[i % queries.count], k: 10))
            }
        }

        Benchmark("Gallery.search batch 256 top-10 \(mode) N=\(gallerySize)",
                  configuration: .init(maxDuration: .seconds(5), maxIterations: 20)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try gallery.search(batch: queries, k: 10))
            }
        }
    }

    Benchmark("TopK offer 1M scores, k=10") { benchmark in
        let scores = (0..<1_000_000).map { Float(($0 &* 2_654_435_761) % 1_000_003) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var top = TopK(k: 10)
            for (i, s) in scores.enumerated() { top.offer(index: i, score: s) }
            blackHole(top.sorted)
        }
    }

    Benchmark("VectorSimilarity.dot 128-d") { benchmark in
        let a = data[0], b = data[1]
        for _ in benchmark.scaledIterations { blackHole(VectorSimilarity.dot(a, b)) }
    }
}
