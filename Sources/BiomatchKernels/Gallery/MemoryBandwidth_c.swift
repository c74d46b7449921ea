internal import CBiomatchKernels
import Dispatch
import Foundation
import Synchronization

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
