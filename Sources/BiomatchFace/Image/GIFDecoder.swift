/// Decodes the first frame of a GIF (87a/89a) to BGR pixels.
///
/// OpenCV 4.6 has no GIF reader, so this small decoder fills the gap. It handles
/// global and local colour tables, interlacing and frames smaller than the logical
/// screen (composited onto black); later frames of an animation are ignored.
/// Every read is bounds-checked: a truncated or inconsistent file is `nil`, never a
/// crash.
enum GIFDecoder {
    struct Frame {
        var width: Int
        var height: Int
        /// BGR, row-major, `width * height * 3` bytes.
        var bgr: [UInt8]
    }

    static func decode(_ b: [UInt8], maxPixels: Int) -> Frame? {
        let r = _ByteReader(b)
        guard b.count >= 13, let sw16 = r.u16le(6), let sh16 = r.u16le(8) else { return nil }
        let screenW = Int(sw16), screenH = Int(sh16)
        guard screenW > 0, screenH > 0, screenW * screenH <= maxPixels else { return nil }
        let flags = b[10]
        var i = 13
        var globalTable: [UInt8] = []
        if flags & 0x80 != 0 {
            let size = 3 << (Int(flags & 7) + 1)
            guard i + size <= b.count else { return nil }
            globalTable = Array(b[i..<i + size])
            i += size
        }
        while i < b.count {
            switch b[i] {
            case 0x21:  // extension: skip its sub-blocks
                i += 2
                guard let next = skipSubBlocks(b, from: i) else { return nil }
                i = next
            case 0x2C:  // image descriptor
                guard let x16 = r.u16le(i + 1), let y16 = r.u16le(i + 3),
                      let w16 = r.u16le(i + 5), let h16 = r.u16le(i + 7), i + 10 <= b.count else { return nil }
                let fx = Int(x16), fy = Int(y16), fw = Int(w16), fh = Int(h16)
                let imageFlags = b[i + 9]
                i += 10
                var table = globalTable
                if imageFlags & 0x80 != 0 {
                    let size = 3 << (Int(imageFlags & 7) + 1)
                    guard i + size <= b.count else { return nil }
                    table = Array(b[i..<i + size])
                    i += size
                }
                guard !table.isEmpty, fw > 0, fh > 0, fw * fh <= maxPixels, i < b.count else { return nil }
                let minCodeSize = Int(b[i])
                i += 1
                guard (2...8).contains(minCodeSize), let (data, _) = collectSubBlocks(b, from: i),
                      let indices = lzwDecode(data, minCodeSize: minCodeSize, pixelCount: fw * fh)
                else { return nil }
                let rows = (imageFlags & 0x40 != 0) ? interlacedRowOrder(fh) : Array(0..<fh)
                var bgr = [UInt8](repeating: 0, count: screenW * screenH * 3)
                for (srcRow, dstRow) in rows.enumerated() {
                    let y = fy + dstRow
                    guard y < screenH else { continue }
                    for x in 0..<fw where fx + x < screenW {
                        let index = Int(indices[srcRow * fw + x])
                        guard index * 3 + 2 < table.count else { continue }
                        let o = (y * screenW + fx + x) * 3
                        bgr[o] = table[index * 3 + 2]
                        bgr[o + 1] = table[index * 3 + 1]
                        bgr[o + 2] = table[index * 3]
                    }
                }
                return Frame(width: screenW, height: screenH, bgr: bgr)
            case 0x3B:
                return nil  // trailer before any image
            default:
                return nil
            }
        }
        return nil
    }

    private static func skipSubBlocks(_ b: [UInt8], from start: Int) -> Int? {
        var i = start
        while i < b.count {
            let n = Int(b[i])
            i += 1
            if n == 0 { return i }
            i += n
        }
        return nil
    }

    private static func collectSubBlocks(_ b: [UInt8], from start: Int) -> ([UInt8], Int)? {
        var i = start
        var out: [UInt8] = []
        while i < b.count {
            let n = Int(b[i])
            i += 1
            if n == 0 { return (out, i) }
            // A truncated final block still yields what it has; LZW decides if it is enough.
            let end = min(i + n, b.count)
            out.append(contentsOf: b[i..<end])
            i = end
        }
        return out.isEmpty ? nil : (out, i)
    }

    /// Variable-width LZW as GIF uses it (LSB-first codes, clear and end codes).
    static func lzwDecode(_ data: [UInt8], minCodeSize: Int, pixelCount: Int) -> [UInt8]? {
        let clear = 1 << minCodeSize, end = clear + 1
        var prefix = [Int](repeating: -1, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var first = [UInt8](repeating: 0, count: 4096)
        for c in 0..<clear { suffix[c] = UInt8(truncatingIfNeeded: c); first[c] = suffix[c] }
        var codeSize = minCodeSize + 1
        var next = clear + 2
        var previous = -1
        var out: [UInt8] = []
        out.reserveCapacity(pixelCount)
        var bitBuffer = 0, bitCount = 0, position = 0
        var stack: [UInt8] = []
        stack.reserveCapacity(4096)
        while out.count < pixelCount {
            while bitCount < codeSize {
                guard position < data.count else { return out.count == pixelCount ? out : nil }
                bitBuffer |= Int(data[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let code = bitBuffer & ((1 << codeSize) - 1)
            bitBuffer >>= codeSize
            bitCount -= codeSize
            if code == clear {
                codeSize = minCodeSize + 1
                next = clear + 2
                previous = -1
                continue
            }
            if code == end { break }
            var current = code
            if previous == -1 {
                guard code < clear else { return nil }
                out.append(suffix[code])
                previous = code
                continue
            }
            if code >= next {
                guard code == next else { return nil }  // only the KwKwK case may run ahead
                stack.append(first[previous])
                current = previous
            }
            while current >= clear {
                guard current < 4096, prefix[current] >= 0, stack.count < 4096 else { return nil }
                stack.append(suffix[current])
                current = prefix[current]
            }
            stack.append(suffix[current])
            out.append(contentsOf: stack.reversed())
            stack.removeAll(keepingCapacity: true)
            if next < 4096 {
                // New entry: string(previous) + first byte of what was just output.
                prefix[next] = previous
                suffix[next] = code < next ? first[code] : first[previous]
                first[next] = first[previous]
                next += 1
                if next == 1 << codeSize && codeSize < 12 { codeSize += 1 }
            }
            previous = code
        }
        if out.count > pixelCount { out.removeLast(out.count - pixelCount) }
        return out.count == pixelCount ? out : nil
    }

    private static func interlacedRowOrder(_ height: Int) -> [Int] {
        var order: [Int] = []
        for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] {
            var y = start
            while y < height { order.append(y); y += step }
        }
        return order
    }
}
