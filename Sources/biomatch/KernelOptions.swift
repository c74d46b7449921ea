import ArgumentParser
import BiomatchKernels

/// `--simd portable|avx2|avx512`: a cap on the kernels' instruction set, so a benchmark or
/// evaluation can show what a CPU without AVX-512 (or without AVX2) would get.
struct KernelOptions: ParsableArguments {
    @Option(help: "Cap the kernels' instruction set: portable, avx2 or avx512 (default: the best the CPU has).")
    var simd: SIMDLevel?

    /// Applies the cap (when given) and returns the level in force, which is lower than
    /// the cap when the CPU lacks it.
    func apply() -> SIMDLevel {
        if let simd { return SIMDLevel.limit(to: simd) }
        return SIMDLevel.current
    }
}

extension SIMDLevel: ExpressibleByArgument {
    public init?(argument: String) {
        guard let level = SIMDLevel.allCases.first(where: { $0.description == argument.lowercased() }) else { return nil }
        self = level
    }

    public static var allValueStrings: [String] { allCases.map(\.description) }
}
