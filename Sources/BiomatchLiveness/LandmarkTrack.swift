/// The landmark frames answering an active challenge, in a compact binary form for framing:
/// a big-endian UInt16 frame count, then per frame the time in milliseconds since the
/// challenge was issued (UInt32) and the five landmarks as ten IEEE-754 Float32 values
/// (x, y in pixels, YuNet order).
public struct LandmarkTrack: Sendable, Hashable {
    /// The frames, in order.
    public let frames: [LandmarkFrame]

    /// Most frames a track may hold (a 10 s challenge at 30 frames a second is 300).
    public static let maximumFrames = 600
    static let frameBytes = 4 + 10 * 4

    /// A track of frames that each hold five landmarks.
    ///
    /// - Throws: ``LivenessError`` for too many frames, a frame without five landmarks, or a
    ///   time or coordinate out of range.
    public init(frames: [LandmarkFrame]) throws {
        guard frames.count <= Self.maximumFrames else { throw LivenessError("a landmark track holds at most \(Self.maximumFrames) frames, not \(frames.count)") }
        for f in frames {
            guard f.points.count == 5 else { throw LivenessError("every frame of a landmark track needs five landmarks") }
            guard f.time.isFinite, f.time >= 0, f.time < 4_000_000,
                  f.points.allSatisfy({ $0.x.isFinite && $0.y.isFinite && abs($0.x) < 1e6 && abs($0.y) < 1e6 }) else {
                throw LivenessError("a landmark track's times must be 0…4,000,000 s and its coordinates finite")
            }
        }
        self.frames = frames
    }

    /// Decodes a track.
    ///
    /// - Throws: ``LivenessError`` for a length that does not match its count, or values out of range.
    public init(serialized bytes: [UInt8]) throws {
        guard bytes.count >= 2 else { throw LivenessError("a landmark track is truncated") }
        let count = Int(bytes[0]) << 8 | Int(bytes[1])
        guard count <= Self.maximumFrames else { throw LivenessError("a landmark track holds at most \(Self.maximumFrames) frames, not \(count)") }
        guard bytes.count == 2 + count * Self.frameBytes else {
            throw LivenessError("a landmark track of \(count) frames is \(2 + count * Self.frameBytes) bytes, not \(bytes.count)")
        }
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        var frames: [LandmarkFrame] = []
        frames.reserveCapacity(count)
        for i in 0..<count {
            let base = 2 + i * Self.frameBytes
            let values = (0..<10).map { Double(Float(bitPattern: word(base + 4 + 4 * $0))) }
            frames.append(LandmarkFrame(time: Double(word(base)) / 1000,
                                        points: (0..<5).map { ImagePoint(x: values[2 * $0], y: values[2 * $0 + 1]) }))
        }
        try self.init(frames: frames)
    }

    /// The encoded track.
    public func serialized() -> [UInt8] {
        var out = [UInt8(frames.count >> 8), UInt8(frames.count & 0xFF)]
        out.reserveCapacity(2 + frames.count * Self.frameBytes)
        func append(_ v: UInt32) { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        for f in frames {
            append(UInt32((f.time * 1000).rounded()))
            for p in f.points { append(Float(p.x).bitPattern); append(Float(p.y).bitPattern) }
        }
        return out
    }
}
