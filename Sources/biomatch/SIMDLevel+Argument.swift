import ArgumentParser
import BiomatchKernels

/// `--simd portable|avx2|avx512`: a cap on the kernels' instruction set, so a benchmark or
/// evaluation can show what a terminal without AVX-512 (or without AVX2) would get.
extension SIMDLevel: ExpressibleByArgument {
    public init?(argument: String) {
        guard let level = SIMDLevel.allCases.first(where: { $0.description == argument.lowercased() }) else { return nil }
        self = level
    }

    public static var allValueStrings: [String] { allCases.map(\.description) }
}

/// Applies `--simd` (when given) and returns the level in force, which is lower than the
/// cap when the CPU lacks it.
func applySIMDCap(_ cap: SIMDLevel?) -> SIMDLevel {
    if let cap { return SIMDLevel.limit(to: cap) }
    return SIMDLevel.current
}
