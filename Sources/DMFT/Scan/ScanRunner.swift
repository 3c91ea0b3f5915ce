import Foundation

/// How `Scan.run` runs its points.
public struct ScanRunOptions: Sendable {
    /// The `dmft` executable each point runs as a child process.
    public var executable: String
    /// Points run at once (each single-threaded in BLAS when more than one).
    public var jobs = 1
    /// The part of the scan to run.
    public var shard = ScanShard.all
    /// Run failed points again (otherwise they are skipped like finished ones).
    public var retryFailed = false

    public init(executable: String, jobs: Int = 1, shard: ScanShard = .all, retryFailed: Bool = false) {
        (self.executable, self.jobs, self.shard, self.retryFailed) = (executable, jobs, shard, retryFailed)
    }
}

/// What `Scan.run` reports as it goes.
public enum ScanEvent: Sendable {
    /// The shard's points: those to run now, and those skipped (finished, or failed without `retryFailed`).
    case planned(toRun: Int, skipped: Int)
    /// A point's process started.
    case started(ScanPoint)
    /// A point ended, done or failed.
    case finished(ScanPoint, ScanPointStatus)
}

extension Scan {
    /// Runs the points of `options.shard` that are not done (nor failed, unless
    /// `options.retryFailed`) into `directory` (`ScanDirectory`), each as a child process of
    /// `options.executable`, `options.jobs` at a time. A point whose process fails (an error, a
    /// signal, a memory limit) is recorded as failed with its reason and the others go on.
    /// When `isCancelled` turns true the running points are stopped, recorded as pending, and
    /// `DMFTError.cancelled` is thrown. Returns the statuses of the points run.
    @discardableResult
    public func run(
        in directory: String, options: ScanRunOptions, isCancelled: @escaping @Sendable () -> Bool = { false },
        events: (ScanEvent) -> Void = { _ in }
    ) throws -> [ScanPointStatus] {
        guard options.jobs >= 1 else { throw DMFTError.invalidInput("jobs must be at least 1, got \(options.jobs)") }
        let store = ScanDirectory(directory)
        try store.prepare(self)
        let lock = try ShardLock(store, options.shard)
        defer { lock.release() }
        let mine = points.filter { options.shard.contains($0.index) }
        for point in mine {
            for stale in (try? FileManager.default.contentsOfDirectory(atPath: store.pointsDirectory)) ?? []
            where stale.hasPrefix(".tmp-\(point.hash)-") {
                try? FileManager.default.removeItem(atPath: store.pointsDirectory + "/" + stale)
            }
        }
        let todo = mine.filter { point in
            switch store.status(of: point).state {
            case .done: return false
            case .failed: return options.retryFailed
            case .pending, .running: return true
            }
        }
        events(.planned(toRun: todo.count, skipped: mine.count - todo.count))
        try store.writeManifest(self)

        let runner = ChildRunner(scan: self, store: store, options: options, isCancelled: isCancelled)
        var queue = todo[...]
        var results: [ScanPointStatus] = []
        while !queue.isEmpty || runner.running > 0 {
            if isCancelled() {
                runner.stopAll()
                try store.writeManifest(self)
                throw DMFTError.cancelled
            }
            while runner.running < options.jobs, let point = queue.popFirst() {
                try runner.start(point)
                events(.started(point))
            }
            for (point, status) in runner.collect(waitingAtMost: 0.05) {
                results.append(status)
                try store.writeManifest(self)
                events(.finished(point, status))
            }
        }
        return results
    }
}

/// An exclusive lock on one shard of a scan directory, so that two runs of the same shard
/// never run the same points at once (runs of different shards share the directory).
private struct ShardLock {
    let descriptor: Int32

    init(_ store: ScanDirectory, _ shard: ScanShard) throws {
        let path = store.stateDirectory + "/lock-\(shard.index)-of-\(shard.count)"
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DMFTError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DMFTError.invalidInput("another dmft scan run is running shard \(shard) in \(store.path)")
        }
    }

    func release() { close(descriptor) }
}

/// The child processes of a scan run.
private final class ChildRunner: @unchecked Sendable {
    let scan: Scan
    let store: ScanDirectory
    let options: ScanRunOptions
    /// Once true, ended children are left to `stopAll` (a point stopped by Ctrl-C is pending, not failed).
    let isCancelled: @Sendable () -> Bool
    private var children: [String: (point: ScanPoint, process: Process, started: Date, temporary: String)] = [:]
    private var ended: [String] = []
    private let lock = NSLock()
    private let signal = DispatchSemaphore(value: 0)

    init(scan: Scan, store: ScanDirectory, options: ScanRunOptions, isCancelled: @escaping @Sendable () -> Bool) {
        (self.scan, self.store, self.options, self.isCancelled) = (scan, store, options, isCancelled)
    }

    var running: Int { children.count }

    /// Starts `point` in a temporary directory beside its final one.
    func start(_ point: ScanPoint) throws {
        let temporary = store.pointsDirectory + "/.tmp-\(point.hash)-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try ScanDirectory.write(prettyJSON(point.settings), to: temporary + "/config.json")
        _ = FileManager.default.createFile(atPath: temporary + "/log.txt", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary + "/log.txt"))
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.executable)
        process.arguments = try arguments(point, in: temporary)
        process.environment = environment
        (process.standardOutput, process.standardError, process.standardInput) = (log, log, FileHandle.nullDevice)
        process.terminationHandler = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { self.ended.append(point.hash) }
            self.signal.signal()
        }
        let started = Date()
        do {
            try process.run()
        } catch {
            throw DMFTError.io("cannot start \(options.executable): \(error.localizedDescription)")
        }
        children[point.hash] = (point, process, started, temporary)
        try store.writeState(
            ScanPointStatus(state: .running, pid: process.processIdentifier, started: ISO8601DateFormatter().string(from: started)),
            of: point)
    }

    /// The points that ended, each moved into place (done) or recorded as failed.
    func collect(waitingAtMost seconds: Double) -> [(ScanPoint, ScanPointStatus)] {
        _ = signal.wait(timeout: .now() + seconds)
        guard !isCancelled() else { return [] }
        let hashes = lock.withLock { () -> [String] in
            defer { ended.removeAll() }
            return ended
        }
        return hashes.compactMap { hash in
            guard let child = children.removeValue(forKey: hash) else { return nil }
            return (child.point, finish(child.point, child.process, child.started, child.temporary))
        }
    }

    private func finish(_ point: ScanPoint, _ process: Process, _ started: Date, _ temporary: String) -> ScanPointStatus {
        let wall = Date().timeIntervalSince(started)
        let final = store.pointDirectory(point.hash)
        if process.terminationReason == .exit, process.terminationStatus == 0,
            FileManager.default.fileExists(atPath: temporary + "/" + scan.command.csvName)
        {
            let done = ScanPointStatus(state: .done, wallTimeSeconds: wall, started: ISO8601DateFormatter().string(from: started))
            do {
                try ScanDirectory.write(prettyJSON(done), to: temporary + "/point.json")
                try? FileManager.default.removeItem(atPath: final)
                guard rename(temporary, final) == 0 else { throw DMFTError.io(String(cString: strerror(errno))) }
                try? FileManager.default.removeItem(atPath: store.stateFile(point.hash))
                return done
            } catch {
                return fail(point, "its outputs could not be moved into \(final): \(error)", wall, temporary)
            }
        }
        return fail(point, reason(process, log: temporary + "/log.txt"), wall, temporary)
    }

    private func fail(_ point: ScanPoint, _ reason: String, _ wall: Double, _ temporary: String) -> ScanPointStatus {
        let failed = ScanPointStatus(state: .failed, reason: reason, wallTimeSeconds: wall)
        try? FileManager.default.removeItem(atPath: store.stateFile(point.hash) + ".log")
        try? FileManager.default.moveItem(atPath: temporary + "/log.txt", toPath: store.stateFile(point.hash) + ".log")
        try? FileManager.default.removeItem(atPath: temporary)
        try? store.writeState(failed, of: point)
        return failed
    }

    /// Why a process failed: its last `error:` line (else its last line), or the signal that ended it.
    private func reason(_ process: Process, log: String) -> String {
        let lines = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let message = lines.last { $0.hasPrefix("error:") } ?? lines.last
        if process.terminationReason == .uncaughtSignal {
            let name = process.terminationStatus == SIGKILL ? "SIGKILL (out of memory, or killed)" : "signal \(process.terminationStatus)"
            return "ended by \(name)" + (message.map { "; last message: \($0)" } ?? "")
        }
        return message ?? "exit status \(process.terminationStatus) without a message"
    }

    /// Stops every child (SIGTERM, then SIGKILL after 3 s) and returns their points to pending.
    func stopAll() {
        for child in children.values { child.process.terminate() }
        let deadline = Date().addingTimeInterval(3)
        while children.values.contains(where: { $0.process.isRunning }) && Date() < deadline { usleep(10_000) }
        for child in children.values {
            if child.process.isRunning { kill(child.process.processIdentifier, SIGKILL) }
            child.process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: child.temporary)
            try? FileManager.default.removeItem(atPath: store.stateFile(child.point.hash))
        }
        children.removeAll()
    }

    /// The child's command line: `dmft COMMAND [REGIME] --config config.json --out …`.
    private func arguments(_ point: ScanPoint, in directory: String) throws -> [String] {
        var arguments = [scan.command.rawValue]
        if scan.command == .asymptotics, case .object(let settings)? = point.record["settings"],
            case .string(let regime)? = settings["regime"]
        {
            arguments.append(regime)
        }
        arguments += ["--config", directory + "/config.json"]
        arguments += scan.command == .compare ? ["--out-dir", directory] : ["--out", directory + "/" + scan.command.csvName]
        if let limit = scan.maxMemoryGB { arguments += ["--max-memory-gb", "\(limit)"] }
        return arguments
    }

    /// This process's environment, with single-threaded BLAS when points run in parallel and
    /// the parent's id, so that a child stops when the scan is killed.
    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if options.jobs > 1 {
            for name in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { environment[name] = "1" }
        }
        environment[Scan.parentProcessVariable] = "\(getpid())"
        return environment
    }
}

extension Scan {
    /// The environment variable holding the scan's process id in each point's process: a
    /// `dmft` command that sees it stops (as on SIGTERM, writing nothing) once that process is
    /// gone, so that killing a scan does not leave its points running.
    public static let parentProcessVariable = "DMFT_SCAN_PARENT_PID"
}
