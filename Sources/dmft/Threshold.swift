import ArgumentParser
import DMFT
import Foundation

struct Threshold: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Interpolation threshold: relaxation time of the training error over a scan of α or γ₀, with the fit "
            + "t_rel ≈ c|x* − x|^−ν.",
        discussion: """
            The second layer is frozen. At each value the DMFT is solved with the long-time solver, doubling \
            the horizon from --tmax-start until e_train < ε·τ² or --tmax is reached; t_rel is the first \
            crossing. The points that relaxed are fitted (GSL nonlinear least squares in log t_rel) and x*, \
            ν and c are reported with standard errors and confidence intervals. --limit chooses the \
            finite widths --widths (default --width; the full symmetric DMFT), an m = ∞ system named as \
            in `dmft asymptotics` — lazy-2 (m → ∞ at fixed α, --init lazy) or infinite-width (m → ∞ at \
            fixed ᾱ = n/d, --init meanfield --scan alphabar; uniform grid of step --dt in T = t/m) — or \
            both. A scan of alphabar measures t_rel and the horizons in T = t/m at every width (the \
            paper's Figure 32 plots t_rel/m). Writes relaxation-times.csv, fit.json and threshold.svg/.png into --out-dir; fit.json \
            records the problem and every setting (`dmft threshold --config DIR/fit.json` reruns the scan).
            """)

    @OptionGroup var problem: ProblemOptions

    @Option(help: "Scanned parameter: alpha (threshold α* above the values), alphabar (ᾱ = n/d = αm, threshold ᾱ_GF above them) or gamma0 (γ* below them). Default alpha.")
    var scan: InterpolationThresholdScan.Parameter?

    @Option(help: "Comma-separated values of the scanned parameter, e.g. 0.1,0.2,0.3,0.4,0.45 (required unless --config has them).")
    var values: String?

    @Option(help: "finite (--widths), lazy-2 (m = ∞ at fixed α, lazy init), infinite-width (m = ∞ at fixed ᾱ, mean-field init, --scan alphabar) or both (finite and the m = ∞ system of the init). Default: both for lazy or alphabar, else finite.")
    var limit: String?

    @Option(help: "Comma-separated finite widths, e.g. 10,20,40 (default: --width).")
    var widths: String?

    @Option(help: "infinite-width: step in T = t/m (default: the stability-limited step of the largest ᾱ, ≤ 0.05).")
    var dt: Double?

    @Option(help: "Relaxation level ε: t_rel = inf{t : e_train < ε τ²}. Default 1e-7.")
    var epsilon: Double?

    @Option(help: "Tolerance of each long-time solve (t_rel changes by < 1e-3 relative between 1e-2 and 1e-3). Default 1e-2.")
    var tolerance: Double?

    @Option(name: .customLong("tmax-start"), help: "First horizon (in T = t/m for alphabar); doubled while e_train is above the level. Default 25.")
    var tmaxStart: Double?

    @Option(help: "Longest horizon; values not relaxed by then are reported and left out of the fit. Default 800.")
    var tmax: Double?

    @Option(name: .customLong("max-memory-gb"), help: "Memory limit of each solve; a value that needs more is reported and skipped. Default 4.")
    var maxMemoryGB: Double?

    @Option(help: "Confidence level of the intervals. Default 0.95.")
    var confidence: Double?

    @Option(name: .customLong("out-dir"), help: "Directory for the outputs.")
    var outDir: String = "threshold"

    @Flag(name: .customLong("png"), inversion: .prefixedNo, help: "Also write the figure as PNG (default: yes; --no-png: SVG only).")
    var png: Bool?

    func run() throws {
        try reportingErrors {
            let spec = try problem.spec()
            let base = try spec.makeProblem()
            let layered = try problem.settings(given)
            let settings = try layered.settings.resolved(for: base)
            let noPNG = try !settings.value(\.png, "png")
            let names = ["relaxation-times.csv", "fit.json", "threshold.svg"] + (noPNG ? [] : ["threshold.png"])
            let files = try OutputFiles(names.map { outDir + "/" + $0 }, inputs: problem.inputFiles)
            if !noPNG { _ = try PNGRenderer.requireConverter(for: outDir + "/threshold.png") }
            let scan = try settings.value(\.scan, "scan"), scanValues = try settings.value(\.values, "values")
            let confidence = try settings.value(\.confidence, "confidence")
            let systems = try settings.value(\.limit, "limit").widths(for: base.initialization)
            let runs: [(width: InterpolationThresholdScan.Width, problem: TrainingProblem)] = try systems.flatMap {
                system in
                system.isInfinite
                    ? [(system, base)]
                    : try settings.value(\.widths, "widths").map { m in
                        var p = base
                        p.width = m
                        return (system, p)
                    }
            }
            let timeName = scan == .alphaBar ? "t_rel/m" : "t_rel"
            var results: [StandardFigure.ThresholdScanResult] = []
            var csv = "width,\(scan.rawValue),t_rel,final_e_train,tmax,failure\n"
            var fits: [String: Any] = [:]
            let control = Terminal.runControl(label: "dmft threshold")
            for (system, runBase) in runs {
                var scanner = InterpolationThresholdScan(parameter: scan, values: scanValues, width: system)
                (scanner.epsilon, scanner.tolerance) = (try settings.value(\.epsilon, "epsilon"), try settings.value(\.tolerance, "tolerance"))
                (scanner.initialDuration, scanner.maxDuration) = (try settings.value(\.tmaxStart, "tmax_start"), try settings.value(\.tmax, "tmax"))
                scanner.memoryLimitBytes = try settings.value(\.maxMemoryGB, "max_memory_gb") * 1e9
                if system == .infiniteWidth { scanner.infiniteWidthStep = try settings.value(\.dt, "dt") }
                let label = system.isInfinite ? "m = ∞" : "m = \(runBase.width)"
                let key = system.isInfinite ? "inf" : "\(runBase.width)"
                let points = try scanner.run(runBase, control: control) { point in
                    Terminal.printError("\(label), \(scan.rawValue) = \(point.value): "
                        + (point.relaxationTime.map { "\(timeName) = \(fmt4($0))" }
                            ?? point.failure.map { "not reached: the run to \(timeName.dropFirst(2)) = \(point.duration) stopped: \($0)" }
                            ?? "not relaxed by \(timeName == "t_rel" ? "t" : "t/m") = \(point.duration) "
                                + "(e_train = \(String(format: "%.3g", point.finalTrainError)))"))
                }
                for p in points {
                    csv += "\(key),\(p.value),\(p.relaxationTime.map { "\($0)" } ?? ""),"
                        + "\(p.finalTrainError.isFinite ? "\(p.finalTrainError)" : ""),\(p.duration),"
                        + "\(p.failure.map { "\"" + $0.replacingOccurrences(of: "\"", with: "'") + "\"" } ?? "")\n"
                }
                var fit: PowerLawFit? = nil
                do { fit = try scanner.fit(points, confidenceLevel: confidence) } catch let error as DMFTError {
                    Terminal.printError("\(label): no fit: \(error)")
                }
                results.append((label, points, fit))
                if let fit {
                    fits[key] = Self.summary(fit)
                    print("\(label): \(scan.rawValue)* = \(fmt4(fit.threshold)) ± \(fmt4(fit.thresholdStandardError)) "
                        + "\(fmt4(fit.thresholdInterval)), ν = \(fmt4(fit.exponent)) ± \(fmt4(fit.exponentStandardError)) "
                        + "\(fmt4(fit.exponentInterval)), c = \(fmt4(fit.amplitude)) \(fmt4(fit.amplitudeInterval)) "
                        + "(\(String(format: "%g", confidence * 100))% intervals, \(fit.degreesOfFreedom + 3) points)")
                }
            }
            var document = try SettingsRecord(
                command: CommandLine.arguments.joined(separator: " "), problem: spec, settings: settings,
                ignoring: layered.ignoredConfigKeys
            ).jsonObject().merging(try settings.legacyTopLevel()) { $1 }
            document["second_layer"] = "frozen during every solve"
            document["time_unit"] = scan == .alphaBar ? "T = t/m (t_rel and tmax columns)" : "t"
            document["fits"] = fits
            document["model"] = "t_rel = c |x* - x|^(-nu), least squares in log t_rel; intervals: Student t with N - 3 dof"
            try files.stage(csv, as: outDir + "/relaxation-times.csv")
            let json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            try files.stage(String(decoding: json, as: UTF8.self) + "\n", as: outDir + "/fit.json")
            try StandardFigure.relaxationTimes(results, parameter: scan).stage(
                in: files, svgPath: outDir + "/threshold.svg", pngPath: noPNG ? nil : outDir + "/threshold.png",
                pngWidth: 1400)
            try files.commitUnlessInterrupted()
            Terminal.printError("wrote \(outDir)/relaxation-times.csv, fit.json, threshold.svg" + (noPNG ? "" : ", threshold.png"))
        }
    }

    static func summary(_ fit: PowerLawFit) -> [String: Any] {
        [
            "threshold": fit.threshold, "threshold_se": fit.thresholdStandardError,
            "threshold_interval": [fit.thresholdInterval.lowerBound, fit.thresholdInterval.upperBound],
            "exponent": fit.exponent, "exponent_se": fit.exponentStandardError,
            "exponent_interval": [fit.exponentInterval.lowerBound, fit.exponentInterval.upperBound],
            "amplitude": fit.amplitude, "amplitude_interval": [fit.amplitudeInterval.lowerBound, fit.amplitudeInterval.upperBound],
            "chi_squared": fit.chiSquared, "degrees_of_freedom": fit.degreesOfFreedom,
        ]
    }
}

extension InterpolationThresholdScan.Parameter: ExpressibleByArgument {}

private func fmt4(_ x: Double) -> String { String(format: "%.4g", x) }
private func fmt4(_ r: ClosedRange<Double>) -> String { "[\(fmt4(r.lowerBound)), \(fmt4(r.upperBound))]" }
