import Benchmark
import BiomatchKernels
import Foundation

let gallerySize = Int(ProcessInfo.processInfo.environment["BIOMATCH_BENCH_GALLERY"] ?? "") ?? 100_000
let dimension = 128

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    let data = SeededVectors.unit(count: gallerySize, dimension: dimension, seed: 1)
    let queries = SeededVectors.unit(count: 256, dimension: dimension, seed: 2)

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
