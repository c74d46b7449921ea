import Foundation

/// Times as the store and the records keep them: whole milliseconds since 1970 (UTC).
package enum UnixMilliseconds {
    /// `date` in milliseconds, rounded to the nearest.
    package static func of(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Now.
    package static func now() -> Int64 { of(Date()) }
}
