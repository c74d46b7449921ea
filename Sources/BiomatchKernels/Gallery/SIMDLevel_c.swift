internal import CBiomatchKernels
import Dispatch
import Synchronization
import Foundation

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

/// Memory read bandwidth, measured by streaming a buffer (the figure scan speeds are
/// judged against: a scan cannot beat bytes ÷ bandwidth).
public enum MemoryBandwidth {
    /// Best of `repeats` passes over `bytes` bytes, in bytes per second, the buffer split
    /// between `threads` threads.
    public static func measure(bytes: Int = 256 << 20, repeats: Int = 5, threads: Int = 1) -> Double {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
        let shared = UnsafeSendableAddress(pointer: UnsafeRawPointer(buffer))
        let t = max(1, threads), share = bytes / t
        var best = 0.0
        let sink = Atomic<UInt64>(0)
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: t) { i in
                sink.wrappingAdd(bmk_read_checksum(shared.pointer + i * share, share), ordering: .relaxed)
            }
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            if seconds > 0 { best = max(best, Double(share * t) / seconds) }
        }
        if sink.load(ordering: .relaxed) == 42 { print("") }  // keeps the reads observable
        return best
    }
}

/// A raw address handed to worker threads that only read through it.
struct UnsafeSendableAddress: @unchecked Sendable {
    let pointer: UnsafeRawPointer
}
