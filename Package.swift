// swift-tools-version:6.1
//
// Biomatch: biometric template matching for payment systems.
//
// Target roles (lowest layer first; every target depends downward only):
//
//   system   CBLAS, COpenCV      – pkg-config shims over Debian's libblas-dev and
//                                  libopencv-dev; headers and link flags only.
//   hidden   CBiomatchBridge     – the one C++ target: OpenCV behind a plain C API
//                                  (`bmcv_*`). Nothing above it sees C++.
//   hidden   CBiomatchKernels    – C scan kernels (AVX-512 VNNI/VPOPCNTDQ, AVX2, portable),
//                                  dispatched at run time by CPU features.
//   hidden   BiomatchSupport     – what the Swift modules share and no integrator sees
//                                  (`package` access): locks, hex, clock, bridge messages,
//                                  the blocking-wait guard.
//   exported BiomatchKernels     – SIMD/CBLAS scoring kernels, top-k and the 1:N Gallery
//                                  (float32, int8, binary); unsafe pointers stay here.
//   exported BiomatchEvaluation  – ISO/IEC 19795-1 figures (EER, FNMR@FMR, FTA) and
//                                  threshold calibration from impostor scores.
//   exported BiomatchFace        – decode → detect (YuNet) → align → embed (SFace) →
//                                  quality → FaceTemplate, and FMR-calibrated comparison.
//   exported BiomatchFingerprint – image → minutiae (OpenCV enhancement through the bridge),
//                                  ISO/IEC 19794-2 and ANSI/INCITS 378 records, MCC matching.
//   exported BiomatchStore       – the template store: AES-256-GCM envelopes under wrapped data
//                                  keys, key rotation, HMAC-chained audit journal; SQLite
//                                  (GRDB) and PostgreSQL backends behind one protocol.
//   exported BiomatchLiveness    – presentation attack detection: passive colour texture, active
//                                  challenge, depth relief, infrared, fingerprint texture; one
//                                  fused LivenessResult at a target APCER; ISO/IEC 30107-3 rates.
//   exported BiomatchFraming     – GB/T 27912 / ISO 19092-1 (X9.84) biometric objects in DER:
//                                  headers, HMAC/ECDSA integrity, AES-256-GCM privacy.
//   exported BiomatchEngine      – the façade a terminal links: enroll / verify / identify /
//                                  revoke over framed objects, policy (purpose, validity,
//                                  freshness, replay, quality, liveness by risk tier), fusion.
//   umbrella Biomatch            – `import Biomatch`: re-exports the modules above that an
//                                  integrator's calls take and return.
//   tool     biomatch            – the command-line tool.
//
// No target uses unsafeFlags, so the package stays usable as a dependency.
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Biomatch",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "BiomatchKernels", targets: ["BiomatchKernels"]),
        .library(name: "BiomatchEvaluation", targets: ["BiomatchEvaluation"]),
        .library(name: "BiomatchFace", targets: ["BiomatchFace"]),
        .library(name: "BiomatchFingerprint", targets: ["BiomatchFingerprint"]),
        .library(name: "BiomatchStore", targets: ["BiomatchStore"]),
        .library(name: "BiomatchFraming", targets: ["BiomatchFraming"]),
        .library(name: "BiomatchLiveness", targets: ["BiomatchLiveness"]),
        .library(name: "BiomatchEngine", targets: ["BiomatchEngine"]),
        // One import for an integrator: the engine and everything its calls take and return.
        .library(name: "Biomatch", targets: ["Biomatch"]),
        .executable(name: "biomatch", targets: ["biomatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // MARK: system libraries (headers and link flags through pkg-config)
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "blas",
            providers: [.apt(["libblas-dev", "libopenblas0"])]
        ),
        .systemLibrary(
            name: "COpenCV",
            pkgConfig: "opencv4",
            providers: [.apt(["libopencv-dev"])]
        ),

        // MARK: hidden C kernels (SIMD per ISA, chosen at run time; no global flags)
        .target(name: "CBiomatchKernels"),

        // MARK: hidden C++ bridge
        .target(
            name: "CBiomatchBridge",
            dependencies: ["COpenCV"],
            cxxSettings: [.define("NDEBUG", .when(configuration: .release))]
        ),

        // MARK: hidden shared support (package access only)
        .target(
            name: "BiomatchSupport",
            swiftSettings: strictSwift
        ),

        // MARK: exported Swift modules
        .target(
            name: "BiomatchKernels",
            dependencies: ["CBLAS", "CBiomatchKernels", "BiomatchSupport"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "BiomatchEvaluation",
            dependencies: ["BiomatchKernels"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "BiomatchFace",
            dependencies: [
                "BiomatchSupport",
                "BiomatchKernels",
                "BiomatchEvaluation",
                "CBiomatchBridge",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "BiomatchFingerprint",
            dependencies: [
                "BiomatchSupport",
                "BiomatchKernels",
                "BiomatchEvaluation",
                "CBiomatchBridge",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        .target(
            name: "BiomatchStore",
            dependencies: [
                "BiomatchSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        .target(
            name: "BiomatchLiveness",
            swiftSettings: strictSwift
        ),

        .target(
            name: "BiomatchFraming",
            dependencies: [
                "BiomatchSupport",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift
        ),

        .target(
            name: "BiomatchEngine",
            dependencies: [
                "BiomatchKernels",
                "BiomatchEvaluation",
                "BiomatchFace",
                "BiomatchFingerprint",
                "BiomatchFraming",
                "BiomatchLiveness",
                "BiomatchStore",
                "BiomatchSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),

        // MARK: umbrella (re-exports what an integrator uses)
        .target(
            name: "Biomatch",
            dependencies: ["BiomatchEngine", "BiomatchEvaluation", "BiomatchFace", "BiomatchFingerprint",
                           "BiomatchFraming", "BiomatchLiveness", "BiomatchStore",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),

        // MARK: tool
        .executableTarget(
            name: "biomatch",
            dependencies: [
                "BiomatchFace",
                "BiomatchFingerprint",
                "BiomatchEvaluation",
                "BiomatchKernels",
                "BiomatchStore",
                "BiomatchSupport",
                "BiomatchFraming",
                "BiomatchEngine",
                "BiomatchLiveness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),

        // MARK: tests (mirror Sources/)
        .testTarget(name: "BiomatchKernelsTests", dependencies: ["BiomatchTestSupport", "BiomatchKernels"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchEvaluationTests", dependencies: ["BiomatchEvaluation"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchFaceTests", dependencies: ["BiomatchTestSupport", "BiomatchFace", "BiomatchKernels", "BiomatchEvaluation"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchFramingTests", dependencies: ["BiomatchTestSupport", "BiomatchFraming", .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchEngineTests", dependencies: ["BiomatchTestSupport", "BiomatchEngine", "BiomatchFraming", "BiomatchLiveness", "BiomatchFace", "BiomatchFingerprint", "BiomatchStore", "BiomatchEvaluation", "BiomatchKernels", "BiomatchSupport", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSwift),
        // Shared by the test targets only (a seeded generator); never a product.
        .target(name: "BiomatchTestSupport", path: "Tests/BiomatchTestSupport", swiftSettings: strictSwift),
        .testTarget(name: "BiomatchLivenessTests", dependencies: ["BiomatchTestSupport", "BiomatchLiveness", "BiomatchFace"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchStoreTests", dependencies: ["BiomatchStore", "BiomatchSupport"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchSupportTests", dependencies: ["BiomatchSupport"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchTests", dependencies: ["Biomatch"], swiftSettings: strictSwift),
        .testTarget(name: "BiomatchFingerprintTests", dependencies: ["BiomatchTestSupport", "BiomatchFingerprint", "BiomatchKernels", "BiomatchEvaluation"], swiftSettings: strictSwift),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
