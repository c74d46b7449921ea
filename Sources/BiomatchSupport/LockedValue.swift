import Foundation

/// A value guarded by a pthread mutex (through NSLock).
///
/// Used instead of `Synchronization.Mutex`, whose futex-based implementation on Linux is
/// invisible to Thread Sanitizer: with a pthread mutex, TSan sees the happens-before
/// edges and the gallery's concurrency tests can run under it.
package final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    package init(_ value: Value) { self.value = value }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
