internal import CBiomatchKernels

/// The instruction-set level the scan kernels run at, chosen from the CPU at run time.
public enum SIMDLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Portable C.
    case portable = 0
    /// AVX2 + FMA + POPCNT.
    case avx2 = 1
    /// AVX-512 F/BW/DQ/VL with VNNI and VPOPCNTDQ.
    case avx512 = 2

    /// The level in force.
    public static var current: SIMDLevel { SIMDLevel(rawValue: Int(bmk_simd_level())) ?? .portable }

    /// Caps the level (tests compare each level with the portable kernels); returns the
    /// level now in force, which may be lower when the CPU lacks the requested one.
    @discardableResult
    public static func limit(to level: SIMDLevel) -> SIMDLevel {
        SIMDLevel(rawValue: Int(bmk_set_max_simd_level(Int32(level.rawValue)))) ?? .portable
    }

    public var description: String { ["portable", "avx2", "avx512"][rawValue] }

    public static func < (a: SIMDLevel, b: SIMDLevel) -> Bool { a.rawValue < b.rawValue }
}
