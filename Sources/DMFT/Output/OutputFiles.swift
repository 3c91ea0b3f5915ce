import Foundation

/// All the files one run writes, written all-or-nothing.
///
/// The destinations are declared first (an input file among them is refused before any
/// work). Each file's content is then staged under a unique hidden temporary name in its
/// destination directory; `commit` moves every staged file into place only once all of them
/// were written, and an error or a cancellation before that removes the temporary files and
/// leaves existing outputs untouched.
///
/// Two runs committing to the same destinations at once each end whole: the renames of one
/// commit happen while holding an exclusive `flock` on every destination directory (the
/// directory itself, so there is no lock file to leave behind or to race on when removing
/// it). Renaming in a fixed order alone would not do: two interleaved runs could leave one
/// run's CSV beside the other's sidecar. The lock is held only for the renames, which take
/// microseconds. Should a rename fail halfway, the files already moved are put back.
public final class OutputFiles {
    /// The destinations in commit order.
    public let destinations: [String]
    private var staged: [String: String] = [:]
    private var createdDirectories: [String] = []
    private var finished = false

    /// Declares `outputs` (committed in this order). Refuses an output that is one of
    /// `inputs` (the same file by resolved path or by identity, e.g. through a symbolic or
    /// hard link), the same destination twice, and a destination that is a directory or
    /// another non-regular file (a device such as /dev/null, a pipe).
    public init(_ outputs: [String], inputs: [String] = []) throws {
        var seen: [String: String] = [:]
        for output in outputs {
            let key = Self.resolved(output)
            if let earlier = seen[key] {
                throw DMFTError.invalidInput("\(output) and \(earlier) are the same output file; give distinct names")
            }
            seen[key] = output
            var info = stat()
            if stat(output, &info) == 0 {
                if (info.st_mode & S_IFMT) == S_IFDIR { throw DMFTError.invalidInput("output \(output) is a directory") }
                // The output is renamed into place: a device or a pipe would be replaced, not written to.
                guard (info.st_mode & S_IFMT) == S_IFREG else {
                    throw DMFTError.invalidInput("output \(output) exists and is not a regular file")
                }
            }
            if let input = inputs.first(where: { Self.sameFile($0, output) }) {
                throw DMFTError.invalidInput(
                    "output \(output) is the input file \(input); writing it would destroy the input, choose another name")
            }
        }
        destinations = outputs
    }

    deinit { if !finished { discard() } }

    /// Stages `text` (UTF-8) as the content of `destination`.
    public func stage(_ text: String, as destination: String) throws {
        try stage(Data(text.utf8), as: destination)
    }

    /// Stages `data` as the content of `destination`, which must have been declared.
    public func stage(_ data: Data, as destination: String) throws {
        guard destinations.contains(destination), !finished else {
            throw DMFTError.io("\(destination) is not a declared output of this run")
        }
        if let previous = staged.removeValue(forKey: destination) { unlink(previous) }
        let url = URL(fileURLWithPath: destination)
        try createDirectory(url.deletingLastPathComponent().path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DMFTError.io("cannot write \(destination): \(Self.lastError())") }
        staged[destination] = temporary
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return fsync(fd) == 0
        }
        let reason = Self.lastError()
        close(fd)
        guard written else { throw DMFTError.io("cannot write \(destination): \(reason)") }
    }

    /// Moves every staged file into place. Throws `DMFTError.cancelled` (writing nothing) if
    /// `isCancelled` says so, and an I/O error (restoring what was there) if a destination
    /// was never staged or cannot be replaced. Either way the temporary files are gone.
    public func commit(isCancelled: (() -> Bool)? = nil) throws {
        defer { discard() }
        if let missing = destinations.first(where: { staged[$0] == nil }) {
            throw DMFTError.io("\(missing) was not produced; nothing was written")
        }
        if isCancelled?() == true { throw DMFTError.cancelled }
        let locks = try lockDirectories()
        defer { for fd in locks { close(fd) } }
        var moved: [(destination: String, backup: String?)] = []
        for destination in destinations {
            let backup = backupOf(destination)
            guard rename(staged[destination]!, destination) == 0 else {
                let reason = Self.lastError()
                if let backup { unlink(backup) }
                for (done, saved) in moved.reversed() {
                    if let saved { rename(saved, done) } else { unlink(done) }
                }
                throw DMFTError.io("cannot move \(destination) into place (\(reason)); no output was changed")
            }
            staged[destination] = nil
            moved.append((destination, backup))
        }
        for case let (_, backup?) in moved { unlink(backup) }
    }

    /// Removes the staged files and any directory `stage` created (if still empty).
    public func discard() {
        for temporary in staged.values { unlink(temporary) }
        staged = [:]
        for directory in createdDirectories.reversed() { rmdir(directory) }
        createdDirectories = []
        finished = true
    }

    /// A hard link to the current file at `destination` (so a failed commit can restore it),
    /// or `nil` if there is none.
    private func backupOf(_ destination: String) -> String? {
        let backup = staged[destination]! + ".previous"
        return link(destination, backup) == 0 ? backup : nil
    }

    /// Exclusive locks on every destination directory, taken in a fixed order.
    private func lockDirectories() throws -> [Int32] {
        let directories = Set(destinations.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }).sorted()
        var locks: [Int32] = []
        for directory in directories {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0, Self.retrying({ flock(fd, LOCK_EX) }) == 0 else {
                let reason = Self.lastError()
                if fd >= 0 { close(fd) }
                for lock in locks { close(lock) }
                throw DMFTError.io("cannot lock the output directory \(directory): \(reason)")
            }
            locks.append(fd)
        }
        return locks
    }

    /// Creates `path` and its missing parents, remembering which were new.
    private func createDirectory(_ path: String) throws {
        var missing: [String] = []
        var url = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: url.path) && url.path != "/" {
            missing.append(url.path)
            url = url.deletingLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DMFTError.io("cannot create the output directory \(path): \(error.localizedDescription)")
        }
        createdDirectories += missing.reversed()
    }

    /// Whether `a` and `b` name the same file: equal resolved paths, or, when both exist,
    /// the same device and inode.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        if resolved(a) == resolved(b) { return true }
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// The absolute path with symbolic links resolved in its longest existing prefix.
    static func resolved(_ path: String) -> String {
        var head = URL(fileURLWithPath: path).standardizedFileURL
        var tail: [String] = []
        while true {
            if let real = realpath(head.path, nil) {
                defer { free(real) }
                return tail.reversed().reduce(URL(fileURLWithPath: String(cString: real))) {
                    $0.appendingPathComponent($1)
                }.path
            }
            guard head.path != "/" else { return URL(fileURLWithPath: path).standardizedFileURL.path }
            tail.append(head.lastPathComponent)
            head = head.deletingLastPathComponent()
        }
    }

    private static func retrying(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == 0 || errno != EINTR { return result }
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
