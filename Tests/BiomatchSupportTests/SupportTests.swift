import BiomatchSupport
import Foundation
import Testing

@Suite struct SupportTests {
    @Test func hexRoundTripsEveryByteAndRefusesWhatIsNotHex() {
        let all = (0...255).map { UInt8($0) }
        let text = Hex.encode(all)
        #expect(text.count == 512 && text.hasPrefix("000102") && text.hasSuffix("fdfeff"))
        #expect(text == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.decode(text) == all)
        #expect(Hex.decode(text.uppercased()) == all)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
    }

    @Test func bridgeMessagesStopAtTheFirstNul() {
        var buffer = [CChar](repeating: 0, count: 16)
        for (i, c) in "bad image".utf8.enumerated() { buffer[i] = CChar(bitPattern: c) }
        buffer[12] = 65  // after the terminator: ignored
        #expect(bridgeMessage(buffer) == "bad image")
    }

    @Test func millisecondsRoundToTheNearest() {
        #expect(UnixMilliseconds.of(Date(timeIntervalSince1970: 1.0004)) == 1000)
        #expect(UnixMilliseconds.of(Date(timeIntervalSince1970: 1.0006)) == 1001)
    }

    @Test func lockedValuesSerialiseConcurrentUpdates() {
        let counter = LockedValue(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test func blockingWaitsAreAllowedUnlessATaskForbidsThem() async {
        #expect(!BlockingWaits.areForbidden)
        BlockingWaits.$areForbidden.withValue(true) { #expect(BlockingWaits.areForbidden) }
        await Task.detached { #expect(!BlockingWaits.areForbidden) }.value
    }
}
