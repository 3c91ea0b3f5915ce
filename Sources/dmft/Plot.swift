import ArgumentParser
import DMFT
import Foundation

extension TimeAxis: ExpressibleByArgument {}

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw trajectories (CSV from solve or simulate) as an SVG figure, optionally also PNG.",
        discussion: """
            One panel per observable: train and test error, a/√m (or ‖a‖₁/m when a simulation reports \
            a_l1), v, C_d(t,0) and ν; a panel is left out when no file has its column. DMFT trajectories \
            are drawn as lines, simulations (files with _se columns) as markers with standard-error bars. \
            Files with different widths m are coloured along one colour scale.

            The width m of each file is read from its JSON sidecar (FILE.json, key problem.width) or given \
            with --widths; it is needed for the rescaled time axes t*m, t/sqrt(m) and t/m, and for \
            --scaling. --png needs rsvg-convert (Debian package librsvg2-bin).
            """)

    @Argument(help: "Trajectory CSV files (header row, first column t).")
    var files: [String]

    @Option(help: "Output SVG (default: the first file with extension .svg).")
    var out: String?

    @Flag(help: "Also write a PNG next to the SVG (same name, extension .png).")
    var png = false

    @Option(name: .customLong("png-width"), help: "PNG width in pixels.")
    var pngWidth: Int = 1800

    @Option(name: .customLong("time-axis"), help: "Time axis: t, t*m, t/sqrt(m) or t/m.")
    var timeAxis: TimeAxis = .t

    @Flag(name: .customLong("log-time"), help: "Logarithmic time axis (the point t = 0 is dropped); with --x-column, a logarithmic x axis.")
    var logTime = false

    @Option(name: .customLong("x-column"), help: "Draw every panel against this column instead of time, as parametric curves in time order (e.g. gamma: a/√m).")
    var xColumn: String?

    @Option(help: "Comma-separated legend labels, one per file (default: solver and width from the sidecar, or the file name).")
    var labels: String?

    @Option(help: "Comma-separated widths m, one per file (default: problem.width from each sidecar).")
    var widths: String?

    @Option(help: "Comma-separated panels: error, a, v, Cd_t0, Co_tt, nu, a_groups (every a_gk of a grouped run), Co_groups (every Co_tt_gk_gl) (default: all but Co_tt and the group panels that have data).")
    var panels: String?

    @Option(help: "Panels per row (default: up to 3).")
    var columns: Int?

    @Flag(help: "Draw the long-time scaling figure instead: a/√m and √m·v against t/m, and test − train error against a/√m (needs widths).")
    var scaling = false

    @Option(name: .customLong("max-markers"), help: "Markers of simulations are spaced as if this many spanned the whole time axis.")
    var maxMarkers: Int = 30

    @OptionGroup var resources: ResourceOptions

    func run() throws {
        try reportingErrors {
            let svgPath = out ?? replacingExtension(of: files[0], with: "svg")
            let pngPath = png ? replacingExtension(of: svgPath, with: "png") : nil
            let outputs = try OutputFiles(
                [svgPath] + (pngPath.map { [$0] } ?? []), inputs: files + files.map(RunOutput.sidecarPath(for:)))
            if let pngPath { _ = try PNGRenderer.requireConverter(for: pngPath) }
            let labelList = try list(labels, name: "--labels")
            let widthList = try list(widths, name: "--widths").map { text -> Int in
                guard let m = Int(text), (1...10_000_000).contains(m) else {
                    throw DMFTError.invalidInput("--widths: '\(text)' is not an integer in 1…10000000")
                }
                return m
            }
            var inputs: [StandardFigure.Input] = []
            for (i, file) in files.enumerated() {
                let trajectory = try TrajectoryCSV.read(path: file)
                guard trajectory.count > 0 else { throw DMFTError.io("\(file) has a header but no rows") }
                let sidecar = Sidecar(csvPath: file)
                if let bad = sidecar.invalidWidth {
                    throw DMFTError.invalidInput(
                        "\(RunOutput.sidecarPath(for: file)): problem.width must be an integer in 1…10000000, got \(bad)"
                            + "; fix it or give --widths")
                }
                var width = widthList.isEmpty ? sidecar.width : widthList[i]
                if let axis = sidecar.limitTimeAxis, xColumn == nil {
                    // An m → ∞ curve is already on its own scaled time axis: drawn as it is
                    // (width 1 makes every rescaling the identity), and only on that axis.
                    guard !scaling, axis == timeAxis.rawValue else {
                        throw DMFTError.invalidInput(
                            "\(file) is an m → ∞ curve against \(axis); plot it with --time-axis \(axis)"
                                + (scaling ? " and without --scaling" : ""))
                    }
                    width = 1
                }
                if scaling || (timeAxis.needsWidth && xColumn == nil), width == nil {
                    throw DMFTError.invalidInput(
                        "\(scaling ? "--scaling" : "--time-axis \(timeAxis.rawValue)") needs the width m of \(file): its sidecar "
                            + "\(RunOutput.sidecarPath(for: file)) \(sidecar.state); "
                            + "give --widths")
                }
                let label = labelList.isEmpty ? defaultLabel(file: file, sidecar: sidecar, width: width) : labelList[i]
                inputs.append((label: label, width: width, trajectory: trajectory))
            }
            let panelList = try list(panels, name: "--panels").map { name -> StandardFigure.Panel in
                guard let panel = StandardFigure.Panel(rawValue: name) else {
                    throw DMFTError.invalidInput(
                        "--panels: unknown panel '\(name)' (choose from "
                            + StandardFigure.Panel.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                return panel
            }
            if xColumn != nil, scaling || timeAxis != .t {
                throw DMFTError.invalidInput("--x-column draws against a column, not time: drop \(scaling ? "--scaling" : "--time-axis")")
            }
            var figure = scaling
                ? try StandardFigure.longTimeScaling(inputs, maxMarkers: maxMarkers)
                : try StandardFigure.observables(
                    inputs, timeAxis: timeAxis, logTime: logTime, panels: panelList.isEmpty ? nil : panelList,
                    maxMarkers: maxMarkers, xColumn: xColumn)
            if let columns { figure.columns = columns }
            try figure.stage(in: outputs, svgPath: svgPath, pngPath: pngPath, pngWidth: pngWidth)
            try outputs.commitUnlessInterrupted()
            Terminal.printError("wrote \(outputs.destinations.joined(separator: " and ")) (\(figure.panels.count) panels)")
        }
    }

    /// A comma-separated option as a list with one entry per file (empty if not given).
    func list(_ text: String?, name: String) throws -> [String] {
        guard let text else { return [] }
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if name != "--panels", items.count != files.count {
            throw DMFTError.invalidInput("\(name) gives \(items.count) values for \(files.count) files")
        }
        return items
    }

    /// "DMFT m = 20", "SGD m = 10", … from the sidecar; the file name otherwise.
    func defaultLabel(file: String, sidecar: Sidecar, width: Int?) -> String {
        let kind: String? = switch sidecar.solverName {
        case "uniform-euler"?, "long-time"?: "DMFT"
        case "network-sgd"?: "network SGD"
        case "gaussian-process-gd"?: "Gaussian-model GD"
        case let other?: other
        case nil: nil
        }
        if let name = sidecar.solverName, sidecar.limitTimeAxis != nil {
            return "m = ∞, " + name.dropFirst("asymptotics-".count)
        }
        if let kind, let width { return "\(kind), m = \(width)" }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return width.map { "\(name), m = \($0)" } ?? name
    }
}

/// The few fields of a run's JSON sidecar the plot needs; absent or unreadable gives nils.
struct Sidecar {
    var width: Int?
    /// The sidecar's `problem.width` when it is not a usable width (not an integer in 1…10⁷).
    var invalidWidth: String?
    var solverName: String?
    /// For an m → ∞ curve (`dmft asymptotics`), the scaled time axis of its first column.
    var limitTimeAxis: String?

    /// Why the width is not known, for messages.
    var state = "is missing"

    init(csvPath: String) {
        let path = RunOutput.sidecarPath(for: csvPath)
        guard InputFile.problem(path) == nil else { return }
        state = "is not a JSON object"
        guard let data = try? InputFile.read(path, what: "sidecar", limitBytes: 1e8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return }
        state = "has no problem.width"
        if let problem = object["problem"] as? [String: Any], let w = problem["width"] {
            let value = (w as? NSNumber)?.doubleValue ?? .nan
            if value == value.rounded(), (1...1e7).contains(value) { width = Int(value) } else { invalidWidth = "\(w)" }
        }
        solverName = (object["solver"] as? [String: Any])?["name"] as? String
        if solverName?.hasPrefix("asymptotics-") == true {
            limitTimeAxis = (object["solver"] as? [String: Any])?["time_axis"] as? String
        }
    }
}

/// `dir/name.ext` → `dir/name.<ext>`, keeping the path as given (relative stays relative).
func replacingExtension(of path: String, with ext: String) -> String {
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path + "." + ext }
    return String(path.dropLast(name.distance(from: dot, to: name.endIndex))) + "." + ext
}
