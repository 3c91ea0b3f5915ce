import ArgumentParser
import DMFT
import Foundation

struct ScanGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Parameter scans: run a command over a grid of settings, resumably, on a laptop or a SLURM array.",
        subcommands: [ScanRun.self, ScanMerge.self, ScanStatus.self, ScanSlurm.self, ScanPlot.self])
}

struct ScanRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the points of a scan (those not done yet) into --out-dir.",
        discussion: """
            FILE is a scan file (YAML or JSON: command, base, axes, combine, max_memory_gb); without it, \
            --command, --base and --vary describe the scan. Each point runs as a child process \
            (`dmft COMMAND --config …`) into DIR/points/<hash>/; DIR/manifest.json lists every point's \
            status. Running the same command again skips the points that are done (and, without \
            --retry-failed, those that failed).
            """)

    @Argument(help: "Scan file (YAML or JSON).")
    var file: String?

    @Option(name: .customLong("out-dir"), help: "Directory of the scan's outputs.")
    var outDir: String

    @Option(help: "Points run at once (each single-threaded in BLAS when more than 1). Default 1.")
    var jobs = 1

    @Flag(name: .customLong("retry-failed"), help: "Run failed points again.")
    var retryFailed = false

    @Option(help: "Run only part I of N: the points whose index k (from 0) has k mod N = I − 1. Default: from SLURM_ARRAY_TASK_ID, _MIN and _COUNT in a SLURM array task, else all.")
    var shard: String?

    @Option(help: "Without FILE: the command of every point: solve, simulate, compare or 'asymptotics REGIME'.")
    var command: String?

    @Option(help: "Without FILE: a JSON file any command wrote (or a flat object of problem and settings keys): the settings shared by every point.")
    var base: String?

    @Option(help: "Without FILE: KEY=VALUES, a setting and its values: a:b:n (n evenly spaced values from a to b), or x,y,z; for list keys (h, phihat, …) lists separated by ';'. Repeat for more axes.")
    var vary: [String] = []

    @Option(help: "Without FILE: product (every combination; the first --vary varies slowest) or zip. Default product.")
    var combine: ScanCombination?

    @Option(name: .customLong("max-memory-gb"), help: "Without FILE: the --max-memory-gb of every point.")
    var maxMemoryGB: Double?

    func validate() throws {
        try Check.refusing {
            try Check.count(jobs, "--jobs", 1...4096)
            if let shard { _ = try ScanShard(parsing: shard) }
            if file != nil, let flag = ["--command", "--base", "--vary", "--combine", "--max-memory-gb"].first(where: Check.given) {
                throw DMFTError.invalidInput("\(flag) describes a scan without a file; give either FILE or --command/--vary")
            }
            if file == nil, command == nil {
                throw DMFTError.invalidInput("give a scan file, or the scan with --command and --vary")
            }
            try Check.inputFile(file, "FILE")
            try Check.inputFile(base, "--base")
            try Check.number(maxMemoryGB, "--max-memory-gb", .positive(atMost: 1e6))
            try Check.outputDirectory(outDir, "--out-dir")
        }
    }

    func run() throws {
        try reportingErrors {
            let scan = try makeScan()
            let shard = try self.shard.map(ScanShard.init(parsing:)) ?? ScanShard.slurm(ProcessInfo.processInfo.environment) ?? .all
            let options = ScanRunOptions(executable: try Self.executable(), jobs: jobs, shard: shard, retryFailed: retryFailed)
            let display = ScanProgress(total: scan.points.count)
            let statuses: [ScanPointStatus]
            do {
                statuses = try scan.run(in: outDir, options: options, isCancelled: { Terminal.isInterrupted }) {
                    display.show($0)
                }
            } catch DMFTError.cancelled {
                Terminal.printError(
                    "\nstopped by \(Terminal.signalName): finished points are kept, the running ones are pending again; "
                        + "rerun the same command to continue")
                throw ExitCode(Terminal.interruptedExitCode)
            }
            let failed = statuses.filter { $0.state == .failed }.count
            print("ran \(statuses.count) point(s)\(shard == .all ? "" : " of shard \(shard)"): \(statuses.count - failed) done, \(failed) failed, in \(outDir); "
                + "`dmft scan merge \(outDir)` writes curves.csv and summary.csv")
        }
    }

    /// The scan from FILE, or from --command, --base and --vary.
    func makeScan() throws -> Scan {
        if let file { return try Scan(contentsOf: file) }
        let words = (command ?? "").split(separator: " ").map(String.init)
        guard let name = words.first, let chosen = ScanCommand(rawValue: name),
            words.count == 1 || (chosen == .asymptotics && words.count == 2)
        else {
            throw DMFTError.invalidInput("--command must be solve, simulate, compare or 'asymptotics REGIME', got '\(command ?? "")'")
        }
        var settings = try base.map { try Scan.flatten(RunConfig(contentsOf: $0)) } ?? [:]
        if words.count == 2 { settings["regime"] = .string(words[1]) }
        let axes = try vary.map { text -> ScanAxis in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw DMFTError.invalidInput("--vary takes KEY=VALUES (e.g. alpha=0.2:0.6:5), got '\(text)'")
            }
            return try ScanAxis(name: String(text[..<equals]), parsing: String(text[text.index(after: equals)...]))
        }
        return try Scan(command: chosen, base: settings, axes: axes, combination: combine ?? .product, maxMemoryGB: maxMemoryGB)
    }

    /// This process's executable, which every point runs.
    static func executable() throws -> String {
        let resolved = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if resolved != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: resolved) { return resolved }
        guard let path = Bundle.main.executablePath else { throw DMFTError.io("cannot find the dmft executable") }
        return path
    }
}

extension ScanCombination: ExpressibleByArgument {}

/// Progress over a scan's points on standard error: a bar with the time left on a terminal,
/// else one line per finished point.
final class ScanProgress: @unchecked Sendable {
    private var planned = 0, finished = 0
    private let total: Int
    private var bar: ProgressBar?

    init(total: Int) { self.total = total }

    func show(_ event: ScanEvent) {
        switch event {
        case .planned(let toRun, let skipped):
            planned = toRun
            Terminal.printError("\(toRun) point(s) to run, \(skipped) skipped (done\(skipped > 0 ? " or failed" : "")) of \(total)")
            if Terminal.showsProgress, toRun > 0 { bar = ProgressBar(label: "dmft scan") }
        case .started:
            break
        case .finished(let point, let status):
            finished += 1
            let what = status.state == .done ? String(format: "done in %.2f s", status.wallTimeSeconds ?? 0)
                : "failed: \(status.reason ?? "")"
            let line = "[\(finished)/\(planned)] point \(point.index) (\(point.label)): \(what)"
            if let bar {
                if status.state == .failed { Terminal.printError("\r\u{1B}[K" + line) }
                bar.show(Double(finished) / Double(max(planned, 1)))
            } else {
                Terminal.printError(line)
            }
        }
    }
}

struct ScanMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Write DIR/curves.csv (every observable of every finished point, long format) and DIR/summary.csv (one row per point).")

    @Argument(help: "The --out-dir of dmft scan run.")
    var directory: String

    func run() throws {
        try reportingErrors {
            let paths = try Scan.merge(directory: directory)
            print("wrote \(paths.curves) and \(paths.summary)")
        }
    }
}

struct ScanStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print how many points of a scan are done, failed, running and pending, and why each failure failed.")

    @Argument(help: "The --out-dir of dmft scan run.")
    var directory: String

    func run() throws {
        try reportingErrors {
            let report = try Scan.status(directory: directory)
            let counts = ScanPointStatus.State.allCases.map { "\(report.counts[$0] ?? 0) \($0.rawValue)" }
            print("\(report.total) points: " + counts.joined(separator: ", "))
            for (point, pid) in report.running {
                let alive = pid.map { kill($0, 0) == 0 } ?? false
                print("running: point \(point.index) (\(point.label))\(pid.map { ", process \($0)" } ?? "")"
                    + (alive ? "" : ", not alive: the next run reruns it"))
            }
            for (point, reason) in report.failures {
                print("failed: point \(point.index) (\(point.label)) [\(point.hash)]: \(reason)")
            }
        }
    }
}

struct ScanPlot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a scan: its curves coloured by one varied key, a summary column against one varied key, or a heat map of a summary column over two.")

    @Argument(help: "The --out-dir of dmft scan run.")
    var directory: String

    @Option(name: .customLong("color-by"), help: "Curves (the figure of dmft plot) of the finished points, coloured by this varied key; with --summary, one curve per value of this key.")
    var colorBy: String?

    @Option(help: "A column of summary.csv (e.g. e_test_final) against the varied key --x, one curve per value of the varied key --color-by.")
    var summary: String?

    @Flag(name: .customLong("log-x"), help: "With --summary: logarithmic horizontal axis.")
    var logX = false

    @Option(help: "A heat map of this column of summary.csv (e.g. e_test_min) over the varied keys --x and --y.")
    var heatmap: String?

    @Option(name: .customLong("x"), help: "With --heatmap or --summary: the varied key along the horizontal axis.")
    var xKey: String?

    @Option(name: .customLong("y"), help: "With --heatmap: the varied key along the vertical axis.")
    var yKey: String?

    @Flag(name: .customLong("log-color"), help: "With --heatmap: colours logarithmic in the value (every value must be positive).")
    var logColor = false

    @Option(help: "Output SVG. Default DIR/curves.svg, or DIR/<COLUMN>.svg for a heat map.")
    var out: String?

    @Flag(help: "Also write a PNG next to the SVG (same name, extension .png).")
    var png = false

    @Option(name: .customLong("time-axis"), help: "Curves: time axis t, t*m, t/sqrt(m) or t/m.")
    var timeAxis: TimeAxis = .t

    @Flag(name: .customLong("log-time"), help: "Curves: logarithmic time axis (the point t = 0 is dropped).")
    var logTime = false

    func validate() throws {
        try Check.refusing {
            let usage = "give --color-by KEY (curves), --summary COLUMN --x KEY --color-by KEY, or --heatmap COLUMN --x KEY --y KEY"
            guard heatmap == nil || summary == nil, heatmap != nil || colorBy != nil else { throw DMFTError.invalidInput(usage) }
            if heatmap != nil {
                guard xKey != nil, yKey != nil else {
                    throw DMFTError.invalidInput("--heatmap needs --x KEY and --y KEY, two varied keys of the scan")
                }
                if let flag = ["--color-by", "--log-x"].first(where: Check.given) {
                    throw DMFTError.invalidInput("\(flag) does not apply to --heatmap")
                }
            } else if summary != nil {
                guard xKey != nil, colorBy != nil else {
                    throw DMFTError.invalidInput("--summary needs --x KEY and --color-by KEY, two varied keys of the scan")
                }
                if let flag = ["--y", "--log-color"].first(where: Check.given) {
                    throw DMFTError.invalidInput("\(flag) does not apply to --summary")
                }
            } else if let flag = ["--x", "--y", "--log-color", "--log-x"].first(where: Check.given) {
                let modes = ["--x": "--heatmap or --summary", "--y": "--heatmap", "--log-color": "--heatmap", "--log-x": "--summary"]
                throw DMFTError.invalidInput("\(flag) applies to \(modes[flag]!) only")
            }
            if heatmap != nil || summary != nil, let flag = ["--time-axis", "--log-time"].first(where: Check.given) {
                throw DMFTError.invalidInput("\(flag) applies to the curves of --color-by only")
            }
            if let out { try Check.outputPath(out, "--out") }
        }
    }

    func run() throws {
        try reportingErrors {
            let svgPath = out ?? directory + "/" + (heatmap ?? summary ?? "curves") + ".svg"
            let pngPath = png ? String(svgPath.dropLast(svgPath.hasSuffix(".svg") ? 4 : 0)) + ".png" : nil
            let outputs = try OutputFiles([svgPath] + (pngPath.map { [$0] } ?? []))
            if let pngPath { _ = try PNGRenderer.requireConverter(for: pngPath) }
            if let heatmap, let xKey, let yKey {
                let map = try Scan.heatMap(directory: directory, column: heatmap, x: xKey, y: yKey, logColour: logColor)
                try map.stage(in: outputs, svgPath: svgPath, pngPath: pngPath)
            } else if let summary, let xKey, let colorBy {
                let figure = try Scan.summaryFigure(directory: directory, column: summary, x: xKey, groupBy: colorBy, logX: logX)
                try figure.stage(in: outputs, svgPath: svgPath, pngPath: pngPath)
            } else if let colorBy {
                let figure = try Scan.figure(directory: directory, colourBy: colorBy, timeAxis: timeAxis, logTime: logTime)
                try figure.stage(in: outputs, svgPath: svgPath, pngPath: pngPath)
            }
            try outputs.commitUnlessInterrupted()
            Terminal.printError("wrote \(outputs.destinations.joined(separator: " and "))")
        }
    }
}
