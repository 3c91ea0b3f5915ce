import Foundation

/// The output directory of a scan, and the state of its points.
///
/// ```
/// DIR/scan.json                the scan (its points with their settings and hashes)
/// DIR/points/<hash>/           a finished point: config.json, the command's CSV and sidecar,
///                              log.txt (the run's messages), point.json (its wall time)
/// DIR/state/<hash>.json        a point running (with the process id) or failed (with the reason)
/// DIR/manifest.json            every point's index, settings, hash, status, wall time
/// ```
///
/// The point directories and state files are the record: each is written whole (into a
/// temporary name, then renamed) by the one process that runs that point, so shards running
/// at once in one directory never write the same file. `manifest.json` is a view of them,
/// rewritten whole (rename) after every change; with shards running at once, each rewrite is a
/// consistent snapshot, and `status` or `merge` rewrite it from the record.
public struct ScanDirectory: Sendable {
    /// The directory.
    public let path: String

    public init(_ path: String) { self.path = path }

    var scanFile: String { path + "/scan.json" }
    var manifestFile: String { path + "/manifest.json" }
    var pointsDirectory: String { path + "/points" }
    var stateDirectory: String { path + "/state" }
    func pointDirectory(_ hash: String) -> String { pointsDirectory + "/" + hash }
    func stateFile(_ hash: String) -> String { stateDirectory + "/" + hash + ".json" }

    /// Creates the directory and records `scan` in it; refuses a directory that holds another scan.
    public func prepare(_ scan: Scan) throws {
        for directory in [path, pointsDirectory, stateDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw DMFTError.io("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        if FileManager.default.fileExists(atPath: scanFile) {
            let existing = try loadScan()
            guard existing.command == scan.command, existing.axes == scan.axes,
                existing.points.map(\.hash) == scan.points.map(\.hash)
            else {
                throw DMFTError.invalidInput(
                    "\(path) holds another scan (its scan.json has other points); give another --out-dir")
            }
            return
        }
        try Self.write(prettyJSON(scan), to: scanFile)
    }

    /// The scan recorded in the directory.
    public func loadScan() throws -> Scan {
        let data = try InputFile.read(scanFile, what: "scan record")
        do {
            return try JSONDecoder().decode(Scan.self, from: data)
        } catch {
            throw DMFTError.invalidInput("\(scanFile) is not a scan record written by dmft scan run")
        }
    }

    /// The status of `point`: done if its directory exists, else as its state file says, else pending.
    public func status(of point: ScanPoint) -> ScanPointStatus {
        if let data = FileManager.default.contents(atPath: pointDirectory(point.hash) + "/point.json"),
            let status = try? JSONDecoder().decode(ScanPointStatus.self, from: data)
        {
            return status
        }
        if let data = FileManager.default.contents(atPath: stateFile(point.hash)),
            let status = try? JSONDecoder().decode(ScanPointStatus.self, from: data)
        {
            return status
        }
        return ScanPointStatus(state: .pending)
    }

    /// Rewrites `manifest.json` from the points' record.
    public func writeManifest(_ scan: Scan) throws {
        let entries = scan.points.map { ManifestEntry(point: $0, status: status(of: $0)) }
        let counts = Dictionary(grouping: entries, by: \.status.state.rawValue).mapValues(\.count)
        try Self.write(prettyJSON(Manifest(command: scan.command, counts: counts, points: entries)), to: manifestFile)
    }

    func writeState(_ status: ScanPointStatus, of point: ScanPoint) throws {
        try Self.write(prettyJSON(status), to: stateFile(point.hash))
    }

    /// Writes `text` to `path` whole: into a temporary file beside it, then renamed over it.
    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw DMFTError.io("cannot write \(temporary): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw DMFTError.io("cannot rename \(temporary) to \(path): \(reason)")
        }
    }

    struct Manifest: Encodable {
        var command: ScanCommand
        var counts: [String: Int]
        var points: [ManifestEntry]
    }

    struct ManifestEntry: Encodable {
        var point: ScanPoint
        var status: ScanPointStatus

        enum CodingKeys: String, CodingKey { case index, hash, values, settings, status, reason, wallTime = "wall_time_seconds" }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(point.index, forKey: .index)
            try c.encode(point.hash, forKey: .hash)
            try c.encode(Dictionary(uniqueKeysWithValues: point.values.map { ($0.name, $0.value) }), forKey: .values)
            try c.encode(point.settings, forKey: .settings)
            try c.encode(status.state, forKey: .status)
            try c.encodeIfPresent(status.reason, forKey: .reason)
            try c.encodeIfPresent(status.wallTimeSeconds, forKey: .wallTime)
        }
    }
}

/// Where a point of a scan stands.
public struct ScanPointStatus: Codable, Equatable, Sendable {
    public enum State: String, Codable, CaseIterable, Sendable {
        /// Not run yet (or stopped by Ctrl-C, or run by a process that was killed).
        case pending
        /// Being run by the process `pid` (if that process is gone, the next run reruns it).
        case running
        /// Its outputs are in `points/<hash>/`.
        case done
        /// Its run ended without output; `reason` says why.
        case failed
    }

    public var state: State
    /// Why a failed point failed: the run's error message, or the signal that ended it.
    public var reason: String?
    /// The run's wall time, as the scan measured it (start of the process to its end).
    public var wallTimeSeconds: Double?
    /// The process running the point.
    public var pid: Int32?
    /// When the run started (ISO 8601).
    public var started: String?

    public init(state: State, reason: String? = nil, wallTimeSeconds: Double? = nil, pid: Int32? = nil, started: String? = nil) {
        (self.state, self.reason, self.wallTimeSeconds, self.pid, self.started) = (state, reason, wallTimeSeconds, pid, started)
    }

    enum CodingKeys: String, CodingKey { case state = "status", reason, wallTimeSeconds = "wall_time_seconds", pid, started }
}
