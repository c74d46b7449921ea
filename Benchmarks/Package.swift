// swift-tools-version:6.1
//
// Micro-benchmarks of Biomatch's kernels and gallery with ordo-one/benchmark, kept out of
// the main package so the library and its tests never build the harness.
//
//   cd Benchmarks && swift package benchmark                 # run all
//   swift package benchmark --filter "Gallery.*int8"         # one group
//
// Sizes scale with BIOMATCH_BENCH_GALLERY (default 100000 templates).
import PackageDescription

let package = Package(
    name: "BiomatchBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Biomatch", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "GalleryBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BiomatchKernels", package: "Biomatch"),
            ],
            path: "Benchmarks/GalleryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
