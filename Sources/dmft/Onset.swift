import ArgumentParser
import DMFT
import Foundation

/// `dmft onset`: the slow time scale of a mean-field start measured on DMFT curves.
struct Onset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Slow time scale: t₀(m; c), the first time a = c·√m, on DMFT curves at several widths; "
            + "the fit t₀/m = t*(c) + A·m^−κ and the transition window.",
        discussion: """
            Each FILE is a DMFT trajectory (from `dmft solve`, mean-field start) at one width m, read from \
            its sidecar (problem.width) or given with --widths. Per level c, t₀(m; c) is interpolated \
            linearly between rows; with at least 4 widths reaching c, t₀/m = t*(c) + A(c)·m^−κ(c) is \
            fitted by least squares (κ profiled), with Student-t intervals; the correction \
            t₀ − t*·m then grows like m^β, β = 1 − κ. The window w(m) = t₀(m; c_max) − t₀(m; c_min) \
            (the lowest and highest level) is fitted as B·m^ζ (3 widths or more); if the curves collapse \
            as the paper's eq. (2.11) says, w is its window up to a constant and the ratios \
            (t₀(m; c) − t₀(m; c_min))/w of the levels between do not depend on m. Writes onset.csv, \
            fit.csv and window.csv into --out-dir and prints a summary. See docs/slow-scale.md.
            """)

    @Argument(help: "DMFT CSV files, one per width.")
    var files: [String]

    @Option(help: "Comma-separated levels c, at least 2 (default 0.3,0.4,0.5,0.6).")
    var levels: String?

    @Option(help: "Comma-separated widths m, one per file (default: problem.width from each sidecar).")
    var widths: String?

    @Option(help: "Confidence level of the intervals. Default 0.95.")
    var confidence: Double = 0.95

    @Option(name: .customLong("out-dir"), help: "Directory for onset.csv, fit.csv and window.csv.")
    var outDir: String = "onset"

    func run() throws {
        try reportingErrors {
            try Check.number(confidence, "--confidence", .unitInterval)
            let levelList = try Check.list(levels, "--levels", .positive(atMost: 1e6), length: 2...64) ?? [0.3, 0.4, 0.5, 0.6]
            guard Set(levelList).count == levelList.count else {
                throw DMFTError.invalidInput("--levels: each level once, got \(levels ?? "")")
            }
            let widthList = try Check.list(widths, "--widths", .positive(atMost: 1e7), length: 1...10_000)?.map { m in
                guard m == m.rounded() else { throw DMFTError.invalidInput("--widths: \(Check.format(m)) is not an integer") }
                return Int(m)
            }
            if let widthList, widthList.count != files.count {
                throw DMFTError.invalidInput("--widths gives \(widthList.count) values for \(files.count) files")
            }
            let names = ["onset.csv", "fit.csv", "window.csv"].map { outDir + "/" + $0 }
            let outputs = try OutputFiles(names, inputs: files + files.map(RunOutput.sidecarPath(for:)))
            var curves: [(width: Int, trajectory: Trajectory)] = []
            for (i, file) in files.enumerated() {
                let trajectory = try TrajectoryCSV.read(path: file)
                let sidecar = Sidecar(csvPath: file)
                guard let width = widthList?[i] ?? sidecar.width else {
                    throw DMFTError.invalidInput(
                        "the width of \(file) is not known: its sidecar \(RunOutput.sidecarPath(for: file)) \(sidecar.state); give --widths")
                }
                curves.append((width, trajectory))
            }
            let analysis = try OnsetScaling(curves: curves, levels: levelList, confidenceLevel: confidence)
            try outputs.stage(analysis.onsetCSV, as: names[0])
            try outputs.stage(analysis.fitCSV, as: names[1])
            try outputs.stage(analysis.windowCSV, as: names[2])
            try outputs.commitUnlessInterrupted()
            print(Self.summary(analysis))
            Terminal.printError("wrote \(names.joined(separator: ", "))")
        }
    }

    /// The fits and the window in a few lines.
    static func summary(_ analysis: OnsetScaling) -> String {
        var lines: [String] = []
        for level in analysis.fits {
            let widths = level.widths.map(String.init).joined(separator: ", ")
            guard let p = level.fit else { lines.append("c = \(level.level): no fit (\(level.note ?? ""))"); continue }
            let f = { (x: Double) in String(format: "%.4g", x) }
            lines.append(
                "c = \(level.level) (m = \(widths)): t* = \(f(p.limit)) [\(f(p.limitInterval.lowerBound)), "
                    + "\(f(p.limitInterval.upperBound))], κ = \(f(p.exponent)) [\(f(p.exponentInterval.lowerBound)), "
                    + "\(f(p.exponentInterval.upperBound))], A = \(f(p.amplitude)), β = 1 − κ")
        }
        if let w = analysis.window {
            let values = zip(w.widths, w.values).map { "m = \($0): \(String(format: "%.4g", $1))" }.joined(separator: ", ")
            var line = "window w = t₀(c = \(w.highLevel)) − t₀(c = \(w.lowLevel)): \(values)"
            if let zeta = w.exponent, let interval = w.exponentInterval {
                line += String(format: "; w ∝ m^ζ, ζ = %.3g [%.3g, %.3g]", zeta, interval.lowerBound, interval.upperBound)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
