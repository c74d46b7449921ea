import BiomatchKernels
import Foundation

/// The SIMD cap is process-wide and swift-testing runs suites side by side, so a test that
/// caps the level holds this lock while it computes at that level (and restores the CPU's
/// best when done); without it one test's reset could make another compare a level with
/// itself.
final class SIMDLevelCap: @unchecked Sendable {
    private static let lock = NSRecursiveLock()
    /// The level in force while the cap is held (lower than asked on a CPU without it).
    let level: SIMDLevel

    /// Takes the lock and caps the level at `requested`.
    init(_ requested: SIMDLevel) {
        Self.lock.lock()
        level = SIMDLevel.limit(to: requested)
    }

    /// Restores the CPU's best level and gives the lock back.
    func release() {
        SIMDLevel.limit(to: .avx512)
        Self.lock.unlock()
    }

    /// Runs `body` with the lock held and the level uncapped, then restores it.
    static func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        let cap = SIMDLevelCap(.avx512)
        defer { cap.release() }
        return try body()
    }

    /// The CPU's best level.
    static var best: SIMDLevel { exclusively { SIMDLevel.current } }
}
