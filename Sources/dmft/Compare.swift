import ArgumentParser
import DMFT
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Theory against experiment: the DMFT and one or both simulators on a common time axis.",
        discussion: """
            Writes into --out-dir: dmft.csv and <model>.csv (each with its JSON sidecar), combined.csv
            (t, then per observable <obs>_dmft, <obs>_<model>, <obs>_<model>_se on the simulations'
            time points, the DMFT interpolated linearly) and metrics.csv (per model and observable: max
            and RMS deviation, absolute and in standard errors, over --window), and figure.svg with
            figure.png (theory as lines, simulations as markers with standard-error bars); with
            --time-axis t/m also scaling.svg and scaling.png (a/√m and √m·v against t/m, e_test − e_train
            against a/√m: the slow scale, arXiv:2502.21269 Fig. 5). --solver long or ratio runs the DMFT
            with the long-time solvers of dmft solve. The
            metrics are printed. compare.json records the problem and every setting: `dmft compare
            --config DIR/compare.json` reruns it; dmft.json and <model>.json are the sidecars of
            `dmft solve` and `dmft simulate`.
            """)

    @OptionGroup var problem: ProblemOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Comma-separated simulators: gaussian, network. Default network.")
    var models: String?

    @Option(name: .customLong("solver"), help: ArgumentHelp(
        "DMFT solver, as for dmft solve: uniform, long or ratio (for t = Θ(m)). Default uniform.",
        valueName: "uniform|long|ratio"))
    var method: SolverMethod?

    @Option(help: "uniform: DMFT time step (default from the stability limit).")
    var dt: Double?

    @Option(help: "long, ratio: the DMFT solver's tolerance (as for dmft solve).")
    var tolerance: Double?

    @Option(help: "ratio: number of ratio nodes L (default 96).")
    var nodes: Int?

    @Option(help: "ratio: clustering A of the nodes at both ends (default 4).")
    var clustering: Double?

    @Option(help: "ratio: automatic, implicit or explicit (default automatic).")
    var integrator: RatioGridSolver.Integrator?

    @Option(help: "Final time. Default 20.")
    var tmax: Double?

    @Option(help: "Window of the deviation metrics, as T0,T1 on the --time-axis (default: everything).")
    var window: String?

    @Option(name: .customLong("out-dir"), help: "Directory for all outputs.")
    var outDir: String = "out/compare"

    @Option(name: .customLong("time-axis"), help: "Time axis of the figure: t, t*m, t/sqrt(m) or t/m. Default t.")
    var timeAxis: TimeAxis?

    @Flag(name: .customLong("log-time"), inversion: .prefixedNo, help: "Logarithmic time axis in the figure (default: linear).")
    var logTime: Bool?

    @Flag(name: .customLong("png"), inversion: .prefixedNo, help: "Also write the figure as PNG (default: yes; --no-png: SVG only).")
    var png: Bool?

    @OptionGroup var resources: ResourceOptions

    func run() throws {
        try reportingErrors {
            let spec = try problem.spec()
            let layered = try problem.settings(given)
            let settings = try layered.settings.resolved(for: spec.makeProblem())
            let (chosen, ignored, tmax) = (settings.chosenModels, layered.ignoredConfigKeys, try settings.value(\.tmax, "tmax"))
            let noPNG = try !settings.value(\.png, "png")
            let names = try (["dmft"] + chosen.map(\.rawValue)).flatMap { try RunOutput.paths(for: "\(outDir)/\($0).csv") }
                + ["compare.json", "combined.csv", "metrics.csv", "figure.svg"].map { outDir + "/" + $0 }
                + (noPNG ? [] : [pngPath]) + scalingFigures(axis: try settings.value(\.timeAxis, "time_axis"), png: !noPNG)
            let files = try OutputFiles(names, inputs: problem.inputFiles)
            if !noPNG { _ = try PNGRenderer.requireConverter(for: pngPath) }
            let axis = try settings.value(\.timeAxis, "time_axis"), width = Double(spec.width)
            let range = settings.window.map { axis.time(at: $0[0], width: width)...axis.time(at: $0[1], width: width) }
                ?? -Double.infinity...Double.infinity
            var solverSettings = SolverSettings(settings.theory, tmax: tmax, maxMemoryGB: resources.maxMemoryGB)
            solverSettings.ignoredConfigKeys = ignored
            let theory = try solveDMFT(spec: spec, solverSettings)
            // Everything is computed and staged before anything is moved into place: a failure,
            // Ctrl-C or SIGTERM halfway leaves no partial set of outputs.
            var outputs: [(trajectory: Trajectory, metadata: RunMetadata, path: String)] = [
                (theory.trajectory, try theory.metadata(spec: spec), outDir + "/dmft.csv"),
            ]
            var experiments: [(name: String, trajectory: Trajectory)] = []
            var metricsCSV = "model,observable,points,max_abs,rms_abs,max_in_se,rms_in_se\n"
            var summary: [String] = []
            for model in chosen {
                let started = Date()
                let modelSettings = try settings.simulate(model)
                let result = try SimulationOptions.run(
                    modelSettings, spec: spec, problem: theory.problem,
                    control: Terminal.runControl(label: "dmft simulate \(model.rawValue)"))
                let wall = Date().timeIntervalSince(started)
                let metadata = try RunMetadata(
                    command: CommandLine.arguments.joined(separator: " "), spec: spec, problem: theory.problem,
                    solver: result.settings, trajectory: result.trajectory, wallTime: wall, started: started,
                    warnings: []
                ).recording(modelSettings, ignoring: ignored)
                outputs.append((result.trajectory, metadata, "\(outDir)/\(model.rawValue).csv"))
                experiments.append((model.rawValue, result.trajectory))
                for d in TrajectoryComparison.deviations(
                    theory: theory.trajectory, experiment: result.trajectory, window: range)
                {
                    let fields = [d.maxAbsolute, d.rmsAbsolute, d.maxInStandardErrors, d.rmsInStandardErrors]
                    // Ratios to a zero standard error (a single run) are left empty, not NaN.
                    metricsCSV += "\(model.rawValue),\(d.observable),\(d.points),"
                        + fields.map { $0.isFinite ? String(format: "%.6g", $0) : "" }.joined(separator: ",") + "\n"
                    summary.append(
                        model.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                            + d.observable.padding(toLength: 8, withPad: " ", startingAt: 0)
                            + String(format: " %10.4g %10.4g %8.2f %8.2f", d.maxAbsolute, d.rmsAbsolute,
                                     d.maxInStandardErrors, d.rmsInStandardErrors))
                }
            }
            let combined = TrajectoryComparison.combine(
                theory: ("dmft", theory.trajectory), experiments: experiments)
            for output in outputs {
                try RunOutput.stage(output.trajectory, metadata: output.metadata, to: output.path, in: files)
            }
            try files.stage(
                SettingsRecord(
                    command: CommandLine.arguments.joined(separator: " "), problem: spec, settings: settings,
                    ignoring: ignored
                ).json(), as: outDir + "/compare.json")
            try files.stage(TrajectoryCSV.render(combined), as: outDir + "/combined.csv")
            try files.stage(metricsCSV, as: outDir + "/metrics.csv")
            let m = theory.problem.width
            let label = ["gaussian": "Gaussian-model GD", "network": "network SGD"]
            let inputs: [StandardFigure.Input] = [("DMFT, m = \(m)", m, theory.trajectory)]
                + experiments.map { ("\(label[$0.name] ?? $0.name), m = \(m)", m, $0.trajectory) }
            let figure = try StandardFigure.observables(
                inputs, timeAxis: axis, logTime: try settings.value(\.logTime, "log_time"))
            try figure.stage(in: files, svgPath: outDir + "/figure.svg", pngPath: noPNG ? nil : pngPath, pngWidth: 1800)
            if axis == .tOverM {
                // The slow scale: a/√m and √m·v against t/m, e_test − e_train against a/√m.
                try StandardFigure.longTimeScaling(inputs).stage(
                    in: files, svgPath: outDir + "/scaling.svg", pngPath: noPNG ? nil : outDir + "/scaling.png",
                    pngWidth: 1800)
            }
            try files.commitUnlessInterrupted()
            print("model     observable  max|Δ|     rms|Δ|   max/se   rms/se")
            summary.forEach { print($0) }
            Terminal.printError("wrote \(outDir)/{dmft,\(chosen.map(\.rawValue).joined(separator: ","))," 
                + "combined,metrics}.csv, compare.json, figure.svg" + (noPNG ? "" : ", figure.png"))
        }
    }

    private var pngPath: String { outDir + "/figure.png" }

    /// The long-time scaling figure, written when the time axis is t/m.
    private func scalingFigures(axis: TimeAxis, png: Bool) -> [String] {
        axis == .tOverM ? [outDir + "/scaling.svg"] + (png ? [outDir + "/scaling.png"] : []) : []
    }
}
