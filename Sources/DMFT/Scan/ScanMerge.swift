import Foundation

extension Scan {
    /// Writes `curves.csv` and `summary.csv` into the scan directory `directory` and
    /// rewrites its manifest; returns the two paths.
    ///
    /// - `curves.csv` (long format): one row per recorded time of every finished point, in scan
    ///   order: `index`, the varied keys, then every column of the points' CSVs (`t` first;
    ///   the union over points, empty where a point has none), values as the points wrote them.
    /// - `summary.csv`: one row per point: `index`, `hash`, `status`, the varied keys, the
    ///   columns of `ScanSummary`, and `wall_time_seconds`.
    @discardableResult
    public static func merge(directory: String) throws -> (curves: String, summary: String) {
        let store = ScanDirectory(directory)
        let scan = try store.loadScan()
        try store.writeManifest(scan)
        let keys = scan.axes.map(\.name)
        var columns: [String] = []
        var tables: [(point: ScanPoint, header: [String], rows: [[Substring]])] = []
        var summary = [(["index", "hash", "status"] + keys + ScanSummary.columns + ["wall_time_seconds"]).map(csvField)
            .joined(separator: ",")]
        for point in scan.points {
            let status = store.status(of: point)
            var cells = ["\(point.index)", point.hash, status.state.rawValue] + point.values.map(\.value.text)
            if status.state == .done {
                let folder = store.pointDirectory(point.hash)
                let path = folder + "/" + scan.command.csvName
                let text = try InputFile.readText(path, what: "point CSV")
                let trajectory = try TrajectoryCSV.parse(text, source: path)
                var lines = text.split(whereSeparator: \.isNewline)
                let header = lines.removeFirst().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                for name in header where !columns.contains(name) { columns.append(name) }
                tables.append((point, header, lines.map { $0.split(separator: ",", omittingEmptySubsequences: false) }))
                let row = ScanSummary(
                    trajectory, record: point.record, command: scan.command,
                    errorEstimate: ScanSummary.errorEstimate(sidecar: folder + "/" + scan.command.sidecarName))
                cells += row.cells
            } else {
                cells += Array(repeating: "", count: ScanSummary.columns.count)
            }
            cells.append(status.wallTimeSeconds.map { String(format: "%.3f", $0) } ?? "")
            summary.append(cells.map(csvField).joined(separator: ","))
        }
        var curves = [(["index"] + keys + columns).map(csvField).joined(separator: ",")]
        for table in tables {
            let prefix = (["\(table.point.index)"] + table.point.values.map(\.value.text)).map(csvField)
            let position = columns.map { table.header.firstIndex(of: $0) }
            for row in table.rows {
                curves.append((prefix + position.map { $0.map { String(row[$0]) } ?? "" }).joined(separator: ","))
            }
        }
        let paths = (curves: directory + "/curves.csv", summary: directory + "/summary.csv")
        try ScanDirectory.write(curves.joined(separator: "\n") + "\n", to: paths.curves)
        try ScanDirectory.write(summary.joined(separator: "\n") + "\n", to: paths.summary)
        return paths
    }

    /// The points of the scan in `directory` by status, and the failures with their reasons.
    public static func status(directory: String) throws -> ScanStatusReport {
        let store = ScanDirectory(directory)
        let scan = try store.loadScan()
        try store.writeManifest(scan)
        let statuses = scan.points.map { ($0, store.status(of: $0)) }
        return ScanStatusReport(
            total: scan.points.count,
            counts: Dictionary(grouping: statuses, by: \.1.state).mapValues(\.count),
            failures: statuses.filter { $0.1.state == .failed }.map { ($0.0, $0.1.reason ?? "") },
            running: statuses.filter { $0.1.state == .running }.map { ($0.0, $0.1.pid) })
    }
}

/// The counts of a scan's points by status, and its failures.
public struct ScanStatusReport: Sendable {
    public var total: Int
    public var counts: [ScanPointStatus.State: Int]
    /// Each failed point with its reason.
    public var failures: [(point: ScanPoint, reason: String)]
    /// Each point recorded as running, with its process id.
    public var running: [(point: ScanPoint, pid: Int32?)]
}

extension ScanCommand {
    /// The sidecar next to `csvName` (`compare`: the DMFT run's, `dmft.json`).
    var sidecarName: String { self == .compare ? "dmft.json" : "\(rawValue).json" }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// What `summary.csv` says about one finished point, from its CSV (for `compare`, the DMFT's
/// columns `<name>_dmft`) and its problem's width m and noise τ.
public struct ScanSummary: Sendable {
    /// The column names, in order.
    public static let columns = [
        "e_test_min", "t_e_test_min", "e_train_final", "e_test_final", "a_over_sqrt_m_final", "v_final",
    ] + thresholds.map { "t0_\($0)" } + ["t_rel", "error_estimate"]

    /// The levels c of t₀(c), the first time a = c√m.
    public static let thresholds = [0.3, 0.4, 0.5, 0.6]
    /// ε of t_rel, the first time e_train < ε τ².
    public static let epsilon = 1e-7

    /// The values, nil where the point has no such column or never reaches the level.
    public var values: [Double?]
    /// `solver.error_estimate` of the point's sidecar, as written there.
    public var errorEstimate: String?

    /// The summary of `trajectory` for a run with the problem of `record` (`ScanPoint.record`).
    public init(_ trajectory: Trajectory, record: [String: JSONValue], command: ScanCommand, errorEstimate: String? = nil) {
        let problem = record["problem"]?.objectValue ?? [:]
        let width = problem["width"]?.number ?? .nan, noise = problem["noise"]?.number ?? .nan
        func column(_ name: String) -> [Double]? { trajectory[command == .compare ? name + "_dmft" : name] }
        let t = trajectory.time
        let test = column("e_test"), train = column("e_train"), v = column("v")
        let scaled = column("a").map { $0.map { $0 / width.squareRoot() } }
        let best = test.flatMap { e in e.indices.min { e[$0] < e[$1] } }
        var values: [Double?] = [
            best.map { test![$0] }, best.map { t[$0] }, train?.last, test?.last, scaled?.last, v?.last,
        ]
        values += Self.thresholds.map { c in scaled.flatMap { Self.firstCrossing(t, $0, level: c) } }
        values.append(train.flatMap { e in
            var series = Trajectory(names: ["t", Observable.trainError.rawValue])
            for k in t.indices { series.append([t[k], e[k]]) }
            return InterpolationThresholdScan.relaxationTime(series, level: Self.epsilon * noise * noise)
        })
        (self.values, self.errorEstimate) = (values, errorEstimate)
    }

    /// The cells of a `summary.csv` row: numbers with 12 significant digits, empty for nil.
    public var cells: [String] {
        values.map { $0.map { String(format: "%.12g", $0) } ?? "" } + [errorEstimate ?? ""]
    }

    /// The first time `x` equals `level`, linearly interpolated between records: `t[0]` if it
    /// starts there, else the first interval whose ends lie on both sides of the level.
    public static func firstCrossing(_ t: [Double], _ x: [Double], level: Double) -> Double? {
        guard let first = x.first else { return nil }
        if first == level { return t[0] }
        for k in 1..<max(1, x.count) where (x[k - 1] - level) * (x[k] - level) <= 0 {
            return t[k - 1] + (level - x[k - 1]) / (x[k] - x[k - 1]) * (t[k] - t[k - 1])
        }
        return nil
    }

    /// `solver.error_estimate` of a sidecar, if it has one.
    static func errorEstimate(sidecar path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONDecoder().decode(JSONValue.self, from: data).objectValue,
            let value = object["solver"]?.objectValue?["error_estimate"]
        else { return nil }
        return value.text
    }
}
