import ArgumentParser
import BiomatchKernels
import Dispatch
import Foundation

/// `biomatch bench identify`: 1:N search latency, batch throughput, recall and memory
/// for one gallery mode, on generated or supplied vectors.
struct BenchIdentify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "1:N identification benchmark: latency p50/p99, batch throughput, recall against exact search, bytes per template.",
        discussion: """
            Vectors come from --vectors/--query-vectors (raw little-endian float32, row-major, \
            unit length) or are generated (unit vectors, seeded). Recall is measured against \
            an exact float32 scan of the same gallery.
            """)

    @Option(help: "Number of gallery templates (generated, or the first N of --vectors).") var gallerySize: Int = 100_000
    @Option(help: "Template length.") var dim: Int = 128
    @Option(help: "Number of single queries timed (and the recall set).") var queries: Int = 200
    @Option(help: "Gallery mode: float32, int8 or binary.") var mode: GalleryMode = .int8
    @Option(help: "Results per query.") var k: Int = 10
    @Option(help: "Queries in the timed batch.") var batch: Int = 256
    @Option(help: "Candidates re-scored exactly (int8/binary); default per mode.") var rerank: Int?
    @Option(help: "Binary mode: Hamming candidates re-scored with int8; default 1.5 % of the gallery.") var prefilter: Int?
    @Option(help: "Threads for one query's scan (default: all cores from 65,536 templates).") var threads: Int?
    @Flag(help: "Do not keep float vectors (int8/binary return estimated scores).") var noFloats = false
    @Option(help: "Gallery vectors file (float32 rows).") var vectors: String?
    @Option(help: "Query vectors file (float32 rows).") var queryVectors: String?
    @Option(help: "Write each query's top-k ids as JSON to this file.") var resultsOut: String?
    @Option(help: "Also write the gallery to this snapshot file and time opening it (mmap) and a first search.") var snapshot: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let gallery = try loadOrGenerate(vectors, count: gallerySize, seed: 1)
        let probes = try loadOrGenerate(queryVectors, count: queries, seed: 2)
        let n = gallery.count / dim, nq = probes.count / dim
        func row(_ v: [Float], _ i: Int) -> [Float] { Array(v[i * dim..<(i + 1) * dim]) }
        let queryRows = (0..<nq).map { row(probes, $0) }

        let g = VectorGallery(dimension: dim, mode: mode, keepFloatVectors: !noFloats)
        let exact = VectorGallery(dimension: dim, mode: .float32)
        let addStart = DispatchTime.now().uptimeNanoseconds
        let step = 65_536
        for start in stride(from: 0, to: n, by: step) {
            let end = min(n, start + step)
            try g.add((start..<end).map { row(gallery, $0) }, ids: (start..<end).map(UInt64.init))
        }
        let addSeconds = Double(DispatchTime.now().uptimeNanoseconds - addStart) / 1e9
        for start in stride(from: 0, to: n, by: step) {
            let end = min(n, start + step)
            try exact.add((start..<end).map { row(gallery, $0) }, ids: (start..<end).map(UInt64.init))
        }
        let parameters = GallerySearchParameters(rerankDepth: rerank, prefilterDepth: prefilter, threads: threads)

        // Single queries, one at a time (both cores inside each).
        for q in queryRows.prefix(5) { _ = try g.search(q, k: k, parameters: parameters) }
        var latencies: [Double] = []
        var results: [[GalleryCandidate]] = []
        for q in queryRows {
            let t = DispatchTime.now().uptimeNanoseconds
            results.append(try g.search(q, k: k, parameters: parameters))
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        // One batch.
        let batchQueries = (0..<batch).map { queryRows[$0 % queryRows.count] }
        _ = try g.search(batch: Array(batchQueries.prefix(8)), k: k, parameters: parameters)
        let bt = DispatchTime.now().uptimeNanoseconds
        _ = try g.search(batch: batchQueries, k: k, parameters: parameters)
        let batchSeconds = Double(DispatchTime.now().uptimeNanoseconds - bt) / 1e9

        // Recall against the exact scan.
        let truth = try exact.search(batch: queryRows, k: k)
        var hit1 = 0, hit10 = 0
        for (got, want) in zip(results, truth) {
            if got.first?.id == want.first?.id { hit1 += 1 }
            hit10 += Set(got.map(\.id)).intersection(want.map(\.id)).count
        }
        var snapshotTimes: [String: Double] = [:]
        if let snapshot {
            let url = URL(fileURLWithPath: snapshot)
            let w = DispatchTime.now().uptimeNanoseconds
            try g.writeSnapshot(to: url)
            let o = DispatchTime.now().uptimeNanoseconds
            let reopened = try VectorGallery(snapshotAt: url)
            let f = DispatchTime.now().uptimeNanoseconds
            _ = try reopened.search(queryRows[0], k: k, parameters: parameters)
            let e = DispatchTime.now().uptimeNanoseconds
            snapshotTimes = ["write_ms": Double(o - w) / 1e6, "open_ms": Double(f - o) / 1e6, "first_search_ms": Double(e - f) / 1e6,
                             "file_bytes": Double((try? FileManager.default.attributesOfItem(atPath: snapshot)[.size] as? Int) ?? 0)]
        }
        let sorted = latencies.sorted()
        let report = IdentifyReport(
            mode: mode.rawValue, simd: SIMDLevel.current.description, gallerySize: n, dimension: dim, queries: nq, k: k,
            p50Ms: sorted[sorted.count / 2], p99Ms: sorted[min(sorted.count - 1, sorted.count * 99 / 100)],
            meanMs: latencies.reduce(0, +) / Double(latencies.count),
            batchSize: batch, batchSeconds: batchSeconds, batchQueriesPerSecond: Double(batch) / batchSeconds,
            recallAt1: Double(hit1) / Double(nq), recallAt10: Double(hit10) / Double(nq * k),
            bytesPerTemplate: g.memoryPerTemplate, addSeconds: addSeconds, rerankDepth: g.candidateDepth(k: k, parameters),
            bandwidthOneThreadGBs: MemoryBandwidth.measure(threads: 1) / 1e9,
            bandwidthAllCoresGBs: MemoryBandwidth.measure(threads: ProcessInfo.processInfo.activeProcessorCount) / 1e9,
            snapshot: snapshotTimes)
        if let resultsOut {
            try JSONEncoder().encode(results.map { $0.map(\.id) }).write(to: URL(fileURLWithPath: resultsOut))
        }
        if json { try printJSON(report) } else {
            print(String(format: "%@ (%@): N=%d D=%d  p50 %.3f ms  p99 %.3f ms  batch %d: %.0f q/s  recall@1 %.4f  recall@10 %.4f  %d B/template",
                         report.mode, report.simd, n, dim, report.p50Ms, report.p99Ms, batch, report.batchQueriesPerSecond,
                         report.recallAt1, report.recallAt10, report.bytesPerTemplate.total))
        }
    }

    private func loadOrGenerate(_ path: String?, count: Int, seed: UInt64) throws -> [Float] {
        if let path {
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
            let available = data.count / (4 * dim)
            guard available > 0 else {
                printError("\(path) holds no \(dim)-float rows")
                throw ExitCode(2)
            }
            let rows = min(available, count)
            return data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self).prefix(rows * dim)) }
        }
        return SeededVectors.unit(count: count, dimension: dim, seed: seed).flatMap { $0 }
    }
}

struct IdentifyReport: Encodable {
    var mode: String
    var simd: String
    var gallerySize: Int
    var dimension: Int
    var queries: Int
    var k: Int
    var p50Ms: Double
    var p99Ms: Double
    var meanMs: Double
    var batchSize: Int
    var batchSeconds: Double
    var batchQueriesPerSecond: Double
    var recallAt1: Double
    var recallAt10: Double
    var bytesPerTemplate: GalleryMemory
    var addSeconds: Double
    var rerankDepth: Int
    var bandwidthOneThreadGBs: Double
    var bandwidthAllCoresGBs: Double
    var snapshot: [String: Double]

    /// Bytes one query's full scan streams: the codes or vectors of every template; for
    /// the binary cascade only the sign bits (its int8 stage reads ~1.5 % of the codes).
    var scannedBytes: Int {
        mode == GalleryMode.binary.rawValue ? (dimension + 63) / 64 * 8 * gallerySize : bytesPerTemplate.scanBytes * gallerySize
    }
    /// The fastest a scan could be at full bandwidth, in ms.
    var bandwidthBoundMs: Double { Double(scannedBytes) / (bandwidthAllCoresGBs * 1e9) * 1000 }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode); try c.encode(simd, forKey: .simd)
        try c.encode(gallerySize, forKey: .gallerySize); try c.encode(dimension, forKey: .dimension)
        try c.encode(queries, forKey: .queries); try c.encode(k, forKey: .k)
        try c.encode(p50Ms, forKey: .p50Ms); try c.encode(p99Ms, forKey: .p99Ms); try c.encode(meanMs, forKey: .meanMs)
        try c.encode(batchSize, forKey: .batchSize); try c.encode(batchSeconds, forKey: .batchSeconds)
        try c.encode(batchQueriesPerSecond, forKey: .batchQueriesPerSecond)
        try c.encode(recallAt1, forKey: .recallAt1); try c.encode(recallAt10, forKey: .recallAt10)
        try c.encode(bytesPerTemplate.total, forKey: .bytesPerTemplate)
        try c.encode(bytesPerTemplate, forKey: .memory)
        try c.encode(addSeconds, forKey: .addSeconds); try c.encode(rerankDepth, forKey: .rerankDepth)
        try c.encode(bandwidthOneThreadGBs, forKey: .bandwidthOneThread)
        try c.encode(bandwidthAllCoresGBs, forKey: .bandwidthAllCores)
        try c.encode(scannedBytes, forKey: .scannedBytes)
        try c.encode(bandwidthBoundMs, forKey: .bandwidthBound)
        try c.encode(bandwidthBoundMs / p50Ms, forKey: .bandwidthEfficiency)
        if !snapshot.isEmpty { try c.encode(snapshot, forKey: .snapshot) }
    }

    enum CodingKeys: String, CodingKey {
        case mode, simd, dimension, queries, k
        case gallerySize = "gallery_size"
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case meanMs = "mean_ms"
        case batchSize = "batch_size"
        case batchSeconds = "batch_seconds"
        case batchQueriesPerSecond = "batch_queries_per_second"
        case recallAt1 = "recall_at_1"
        case recallAt10 = "recall_at_10"
        case bytesPerTemplate = "bytes_per_template"
        case addSeconds = "add_seconds"
        case rerankDepth = "rerank_depth"
        case memory = "memory_bytes_per_template"
        case bandwidthOneThread = "bandwidth_gb_s_one_thread"
        case bandwidthAllCores = "bandwidth_gb_s_all_cores"
        case scannedBytes = "bytes_scanned_per_query"
        case bandwidthBound = "bandwidth_bound_ms"
        case bandwidthEfficiency = "bandwidth_bound_over_p50"
        case snapshot
    }
}

extension GalleryMode: ExpressibleByArgument {}
