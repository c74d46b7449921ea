import BiomatchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when released.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let length: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GalleryError("cannot open the gallery snapshot \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { throw GalleryError("cannot read the size of \(path)") }
        let length = Int(info.st_size)
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw GalleryError("cannot map \(path) into memory") }
        base = mapped
        self.length = length
    }

    deinit { munmap(base, length) }
}

/// The gallery snapshot file (`BMGS`, version 1): a 4096-byte header, then page-aligned
/// sections that are used in place after `mmap`, so a million-template gallery opens in
/// milliseconds and its pages are read from disk on first use.
///
/// Header (little-endian): magic `BMGS`; version u32 (1); dimension u32; mode u8
/// (0 float32, 1 int8, 2 binary); flags u8 (bit 0: float vectors present); 2 reserved
/// bytes; count u64; then six (offset u64, length u64) pairs for the sections ids
/// (u64 × n), floats (f32 × n·d), int8 codes (u8 × n·d), binary codes (u64 × n·⌈d/64⌉),
/// int8 ranges (f32 × d) and binary thresholds (f32 × d); absent sections have length 0.
///
/// The file is a cache of a gallery (the encrypted template store is the record of
/// truth); loading validates the header and every section's bounds, not the contents.
enum GallerySnapshotFile {
    static let magic: [UInt8] = Array("BMGS".utf8)
    static let version: UInt32 = 1
    static let page = 4096
    static let sectionCount = 6
}

extension VectorGallery {
    /// Writes the live templates to a snapshot file (removed ones are left out).
    ///
    /// - Throws: ``GalleryError`` when the file cannot be written.
    public func writeSnapshot(to url: URL) throws {
        let s = snapshot
        let d = dimension, words = (d + 63) / 64
        var rows: [(Int, Int)] = []
        rows.reserveCapacity(s.live)
        for (si, _) in s.segments.enumerated() {
            for row in 0..<s.filled[si] where !(s.tombstones?.contains(s.starts[si] + row) ?? false) { rows.append((si, row)) }
        }
        let n = rows.count
        let hasFloats = keepsFloatVectors, hasCodes = mode != .float32, hasBits = mode == .binary
        let lengths = [8 * n, hasFloats ? 4 * n * d : 0, hasCodes ? n * d : 0, hasBits ? 8 * n * words : 0,
                       hasCodes ? 4 * d : 0, hasBits ? 4 * d : 0]
        var offsets: [Int] = []
        var cursor = GallerySnapshotFile.page
        for length in lengths {
            offsets.append(length > 0 ? cursor : 0)
            cursor += (length + GallerySnapshotFile.page - 1) / GallerySnapshotFile.page * GallerySnapshotFile.page
        }
        var header = [UInt8](repeating: 0, count: GallerySnapshotFile.page)
        func put<T: FixedWidthInteger>(_ v: T, at o: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (i, b) in $0.enumerated() { header[o + i] = b } }
        }
        header.replaceSubrange(0..<4, with: GallerySnapshotFile.magic)
        put(GallerySnapshotFile.version, at: 4)
        put(UInt32(d), at: 8)
        header[12] = UInt8(GalleryMode.allCases.firstIndex(of: mode) ?? 0)
        header[13] = hasFloats ? 1 : 0
        put(UInt64(n), at: 16)
        for i in 0..<GallerySnapshotFile.sectionCount {
            put(UInt64(offsets[i]), at: 24 + 16 * i)
            put(UInt64(lengths[i]), at: 32 + 16 * i)
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw GalleryError("cannot create the gallery snapshot \(url.path)")
        }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: header)
            func section(_ i: Int, _ body: (inout Data) -> Void) throws {
                guard lengths[i] > 0 else { return }
                var data = Data(capacity: lengths[i])
                body(&data)
                try handle.seek(toOffset: UInt64(offsets[i]))
                try handle.write(contentsOf: data)
            }
            try section(0) { data in for (si, row) in rows { withUnsafeBytes(of: s.segments[si].ids[row].littleEndian) { data.append(contentsOf: $0) } } }
            try section(1) { data in for (si, row) in rows { if let f = s.segments[si].floats { data.append(UnsafeBufferPointer(start: f + row * d, count: d)) } } }
            try section(2) { data in for (si, row) in rows { if let c = s.segments[si].codes { data.append(UnsafeBufferPointer(start: c + row * d, count: d)) } } }
            try section(3) { data in for (si, row) in rows { if let b = s.segments[si].bits { data.append(UnsafeBufferPointer(start: b + row * words, count: words)) } } }
            try section(4) { data in s.int8.map { q in q.scales.withUnsafeBufferPointer { data.append($0) } } }
            try section(5) { data in s.binary.map { q in q.thresholds.withUnsafeBufferPointer { data.append($0) } } }
            // Pad to the end of the last page so every section lies inside the file.
            try handle.truncate(atOffset: UInt64(cursor))
        } catch {
            throw GalleryError("writing the gallery snapshot \(url.path) failed: \(error.localizedDescription)")
        }
    }

    /// Opens a snapshot file by mapping it into memory: its templates are searched in
    /// place, and later adds go to new in-memory segments.
    ///
    /// - Throws: ``GalleryError`` when the file is not a valid snapshot (wrong magic or
    ///   version, a section outside the file or of the wrong size, an unknown mode).
    public convenience init(snapshotAt url: URL) throws {
        let file = try MappedFile(path: url.path)
        guard file.length >= GallerySnapshotFile.page else { throw GalleryError("\(url.lastPathComponent) is too short to be a gallery snapshot") }
        let raw = UnsafeRawBufferPointer(start: file.base, count: file.length)
        func read<T: FixedWidthInteger>(_ type: T.Type, at o: Int) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: T.self)) }
        guard Array(raw[0..<4]) == GallerySnapshotFile.magic else { throw GalleryError("\(url.lastPathComponent) is not a gallery snapshot (bad magic)") }
        let version = read(UInt32.self, at: 4)
        guard version == GallerySnapshotFile.version else { throw GalleryError("gallery snapshot version \(version) is not supported") }
        let d = Int(read(UInt32.self, at: 8))
        guard (1...4096).contains(d), Int(raw[12]) < GalleryMode.allCases.count else {
            throw GalleryError("\(url.lastPathComponent): invalid dimension or mode")
        }
        let mode = GalleryMode.allCases[Int(raw[12])]
        let hasFloats = raw[13] & 1 != 0
        let n64 = read(UInt64.self, at: 16)
        guard n64 <= UInt64(file.length) else { throw GalleryError("\(url.lastPathComponent): template count exceeds the file") }
        let n = Int(n64), words = (d + 63) / 64
        let expected = [8 * n, hasFloats ? 4 * n * d : 0, mode != .float32 ? n * d : 0, mode == .binary ? 8 * n * words : 0,
                        mode != .float32 ? 4 * d : 0, mode == .binary ? 4 * d : 0]
        var pointers: [UnsafeMutableRawPointer?] = []
        for i in 0..<GallerySnapshotFile.sectionCount {
            let offset = read(UInt64.self, at: 24 + 16 * i), length = read(UInt64.self, at: 32 + 16 * i)
            guard length == UInt64(expected[i]) else { throw GalleryError("\(url.lastPathComponent): section \(i) has the wrong size") }
            if length == 0 { pointers.append(nil); continue }
            guard offset % UInt64(GallerySnapshotFile.page) == 0, offset >= UInt64(GallerySnapshotFile.page),
                  offset <= UInt64(file.length), length <= UInt64(file.length) - offset else {
                throw GalleryError("\(url.lastPathComponent): section \(i) lies outside the file")
            }
            pointers.append(file.base + Int(offset))
        }
        guard mode != .float32 || hasFloats else { throw GalleryError("\(url.lastPathComponent): a float32 snapshot without vectors") }
        let scales = pointers[4].map { Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Float.self), count: d)) }
        let thresholds = pointers[5].map { Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Float.self), count: d)) }
        self.init(dimension: d, mode: mode, keepFloatVectors: hasFloats)
        let int8 = scales.map { Int8Quantizer(scales: $0) }
        let binary = thresholds.map { BinaryQuantizer(thresholds: $0) }
        guard n > 0, let idBase = pointers[0] else {
            state.withLock { $0.snapshot = GallerySnapshot(segments: [], filled: [], tombstones: nil, live: 0, int8: int8, binary: binary) }
            return
        }
        let segment = GallerySegment(
            mapped: file, count: n, dimension: d, ids: idBase.assumingMemoryBound(to: UInt64.self),
            floats: pointers[1]?.assumingMemoryBound(to: Float.self), codes: pointers[2]?.assumingMemoryBound(to: UInt8.self),
            bits: pointers[3]?.assumingMemoryBound(to: UInt64.self))
        var slotOf: [UInt64: Int] = [:]
        slotOf.reserveCapacity(n)
        var duplicates: [Int] = []
        for row in 0..<n {
            if let earlier = slotOf.updateValue(row, forKey: segment.ids[row]) { duplicates.append(earlier) }
        }
        let tombstones = duplicates.isEmpty ? nil : GalleryTombstones(words: []).adding(duplicates)
        state.withLock {
            $0.slotOf = slotOf
            $0.snapshot = GallerySnapshot(segments: [segment], filled: [n], tombstones: tombstones, live: slotOf.count,
                                          int8: int8, binary: binary)
        }
    }
}
