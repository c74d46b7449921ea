/// The NUL-terminated message a bridge call wrote into `buffer` (the C++ bridge reports its
/// errors this way), as a String.
package func bridgeMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
