#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// Reads a file that holds key material, the way key material must be read: opened once
/// without following a symbolic link, and checked on that open descriptor (no window
/// between a check and the read for the file to be swapped): a regular file, owned by the
/// user reading it, that neither group nor others can read or write.
public enum SecretFile {
    /// Largest key file read (a PEM private key is under 1 KiB).
    static let maximumBytes = 64 * 1024

    /// The file's bytes.
    ///
    /// - Throws: ``StoreError`` `keyUnavailable` (missing, unreadable, a symbolic link, not
    ///   a regular file, too large) or `keyFileInsecure` (another owner, or group or others
    ///   may read or write it), naming the file and what to do.
    public static func read(_ path: String, what: String = "key file") throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "is a symbolic link (key files are read only directly, never through a link)"
                : errno == ENOENT ? "does not exist" : "cannot be opened (errno \(errno))"
            throw StoreError(.keyUnavailable, "\(what) \(path) \(reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError(.keyUnavailable, "\(what) \(path) is not a regular file")
        }
        guard info.st_uid == geteuid() else {
            throw StoreError(.keyFileInsecure, "\(what) \(path) belongs to user \(info.st_uid), not to the user reading it (\(geteuid())); a key file is its user's own")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw StoreError(.keyFileInsecure, "\(what) \(path) has mode 0\(String(mode, radix: 8)): group or others may read or write it; run `chmod 600 \(path)`")
        }
        guard Int(info.st_size) <= maximumBytes else {
            throw StoreError(.keyUnavailable, "\(what) \(path) is \(info.st_size) bytes; a key file is at most \(maximumBytes)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return -1 }
                return systemRead(fd, base + filled, buffer.count - filled)
            }
            guard n > 0 else { throw StoreError(.keyUnavailable, "\(what) \(path) cannot be read") }
            filled += n
        }
        return bytes
    }

    /// Overwrites key bytes that are no longer needed (best effort: Swift may have copied them).
    static func wipe(_ bytes: inout [UInt8]) {
        for i in bytes.indices { bytes[i] = 0 }
    }

    /// Creates `path` empty with mode 0600 (refusing to replace anything), so a store or
    /// archive is private from its first byte: SQLite gives its WAL and journal files the
    /// mode of the database file.
    ///
    /// - Throws: ``StoreError`` `storeExists` when something is there, `backend` otherwise.
    static func createPrivate(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw StoreError(.storeExists, "\(path) already exists") }
            throw StoreError(.backend, "cannot create \(path) (errno \(errno))")
        }
        _ = fchmod(fd, 0o600)  // whatever the umask
        close(fd)
    }

    /// Whether group or others may read `path` (false when it does not exist).
    static func isReadableByOthers(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & 0o077 != 0
    }
}
