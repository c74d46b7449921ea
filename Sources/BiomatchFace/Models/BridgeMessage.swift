/// The NUL-terminated message a bridge call wrote into `buffer`, as a String.
func bridgeMessage(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
