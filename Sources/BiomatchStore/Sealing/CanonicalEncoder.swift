/// An unambiguous byte encoding of a list of fields, for additional authenticated data
/// and MACs: every field is typed and length-prefixed, so no two different field lists
/// encode alike ("ab","c" ≠ "a","bc"; nil ≠ "").
struct CanonicalEncoder {
    private(set) var bytes: [UInt8]

    init(domain: String) {
        bytes = []
        bytes.reserveCapacity(512)  // one allocation for a whole row
        string(domain)
    }

    mutating func string(_ s: String) {
        // Straight from the UTF-8 view: AADs are built for every record a gallery loads.
        bytes.append(1)
        withUnsafeBytes(of: UInt32(clamping: s.utf8.count).bigEndian) { bytes += $0 }
        bytes.append(contentsOf: s.utf8)
    }

    mutating func data(_ b: [UInt8]) { raw(b, type: 2) }

    mutating func int(_ v: Int64) {
        bytes.append(3)
        withUnsafeBytes(of: v.bigEndian) { bytes += $0 }
    }

    mutating func optionalInt(_ v: Int64?) {
        if let v { int(v) } else { bytes.append(0) }
    }

    mutating func optionalData(_ b: [UInt8]?) {
        if let b { data(b) } else { bytes.append(0) }
    }

    private mutating func raw(_ b: [UInt8], type: UInt8) {
        bytes.append(type)
        withUnsafeBytes(of: UInt32(clamping: b.count).bigEndian) { bytes += $0 }
        bytes += b
    }
}
