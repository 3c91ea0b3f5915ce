import Foundation

/// Reading a file the user named, with refusals in the user's words: a missing file, a
/// directory, a file that cannot be read (permission denied) and a file larger than a limit
/// each give a `DMFTError.io` naming the file and what it was given as (e.g. `--config`),
/// never a Foundation error's text or a nil.
public enum InputFile {
    /// The default size limit for files read whole (1 GB).
    public static let defaultLimitBytes = 1e9

    /// Why `path` cannot be read as a regular file, or `nil` if it can (checked with `stat`
    /// and `access`, without opening it).
    public static func problem(_ path: String) -> String? {
        guard !path.isEmpty else { return "the path is empty" }
        var info = stat()
        guard stat(path, &info) == 0 else { return reason(errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return "is a directory, not a file" }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "is not a regular file" }
        guard access(path, R_OK) == 0 else { return reason(errno) }
        return nil
    }

    /// The size of `path` in bytes (0 if it cannot be read).
    public static func size(_ path: String) -> Double {
        var info = stat()
        return stat(path, &info) == 0 ? Double(info.st_size) : 0
    }

    /// The bytes of `path`. `what` names the file in messages (`"--config"`, `"checkpoint"`).
    /// - Throws: `DMFTError.io` for a missing, unreadable or non-regular file, or one larger
    ///   than `limitBytes`.
    public static func read(_ path: String, what: String, limitBytes: Double = defaultLimitBytes) throws -> Data {
        if let problem = problem(path) { throw DMFTError.io("\(what) \(path): \(problem)") }
        let bytes = size(path)
        guard bytes <= limitBytes else {
            throw DMFTError.io(
                "\(what) \(path) is \(megabytes(bytes)) MB, more than the \(megabytes(limitBytes)) MB this reads")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DMFTError.io("\(what) \(path): \(reason(errno))")
        }
        return data
    }

    /// The text of `path`, which must be UTF-8.
    public static func readText(_ path: String, what: String, limitBytes: Double = defaultLimitBytes) throws -> String {
        let data = try read(path, what: what, limitBytes: limitBytes)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DMFTError.io("\(what) \(path) is not a text file (not UTF-8)")
        }
        return text
    }

    /// An `errno` value in words.
    public static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file or directory"
        case EACCES, EPERM: return "permission denied"
        case ENOTDIR: return "a component of the path is not a directory"
        case EISDIR: return "is a directory, not a file"
        case ENAMETOOLONG: return "the path is too long"
        case ELOOP: return "too many symbolic links"
        default: return String(cString: strerror(code))
        }
    }

    static func megabytes(_ bytes: Double) -> String { String(format: "%.0f", (bytes / 1e6).rounded(.up)) }
}
