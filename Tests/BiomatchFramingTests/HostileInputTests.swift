@testable import BiomatchFraming
import BiomatchTestSupport
import Foundation
import Testing

/// Hostile DER: mutated messages of every form fed to the decoder and the opener.
@Suite struct HostileInputTests {
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { bytes = [UInt8.random(in: 0...255, using: &rng)]; continue }
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes[i] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
            case 3: bytes.remove(at: i)
            case 4: bytes.removeLast(Int.random(in: 0...min(bytes.count, 16), using: &rng))
            case 5: bytes[i] = [0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF].randomElement(using: &rng) ?? 0  // hostile lengths
            case 6:
                let j = Int.random(in: 0..<bytes.count, using: &rng)
                let k = min(bytes.count, j + Int.random(in: 1...24, using: &rng))
                bytes.insert(contentsOf: bytes[j..<k], at: i)  // splice a slice of itself
            default: bytes.swapAt(i, Int.random(in: 0..<bytes.count, using: &rng))
            }
        }
        return bytes
    }

    @Test func aHundredThousandMutatedMessagesNeverCrashOrOpenAsSomethingElse() throws {
        var seeds: [[UInt8]] = []
        var originals: [[UInt8]: [BiometricObject]] = [:]
        for (_, protection) in try Fixtures.protections {
            let bytes = try BiometricMessage.seal(Fixtures.objects, protection: protection).derEncoded()
            seeds.append(bytes)
            originals[bytes] = Fixtures.objects
        }
        var rng = SplitMix64(state: 0x5EED_B10_A7C4)
        var decoded = 0, opened = 0, refused = 0
        let count = 100_000
        for n in 0..<count {
            let seed = seeds[n % seeds.count]
            let mutated = Self.mutate(seed, &rng)
            do {
                let message = try BiometricMessage(derEncoded: mutated)
                decoded += 1
                let result = try message.open(keys: Fixtures.receiverKeys)
                opened += 1
                // Only a plain (unprotected) message may open after mutation; a protected one must not.
                let forms = Set(message.elements.map(\.form))
                if forms != ["none"] && result.objects != Fixtures.objects {
                    Issue.record("a mutated protected message opened to different objects (seed \(n % seeds.count))")
                }
            } catch is FramingError {
                refused += 1
            }
        }
        // Every message was either opened or refused with a FramingError (any other error ends
        // the test), and enough of them decoded for the mutations to reach authentication.
        #expect(opened + refused == count)
        #expect(decoded - opened > count / 20, "only \(decoded - opened) mutated messages reached authentication")
        #expect(refused > count / 2)
        print("hostile DER: \(count) mutated messages, \(decoded) decoded, \(opened) opened, \(refused) refused with a FramingError")
    }
}
