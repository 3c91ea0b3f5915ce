import ArgumentParser
import DMFT
import Foundation

@main
struct DMFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmft",
        abstract: "Training dynamics of large two-layer networks: DMFT theory and finite-width experiments.",
        version: dmftVersion,
        subcommands: [Solve.self, Simulate.self, Compare.self, Plot.self, Asymptotics.self, Threshold.self, Onset.self, ScanGroup.self, Example.self])
}

/// What `solveDMFT` needs; `dmft solve` fills it from its flags, `compare` from its own.
struct SolverSettings {
    var method: SolverMethod = .uniform
    var dt: Double?
    var tmax: Double
    var tolerance: Double?
    var checkpoint: String?
    var checkpointEvery: Double = 60
    var resume = false
    var maxMemoryGB: Double = 8
    var nodes: Int?
    var clustering: Double?
    var integrator: RatioGridSolver.Integrator?
    /// Keys of `--config` that did not apply (recorded in the sidecar).
    var ignoredConfigKeys: [String] = []
}

/// Solver flags of `dmft solve`.
struct SolverOptions: ParsableArguments {
    @Option(name: .customLong("solver"), help: ArgumentHelp(
        "uniform: the paper's Euler grid (first order; memory and time grow as N², N³ with N = tmax/dt). "
            + "long: adaptive steps, implicit stiff term, Richardson-extrapolated, with an error estimate "
            + "(for t = Θ(m)). ratio (experimental): rows on a grid in the time ratio s/t, adaptive "
            + "Runge–Kutta steps. Default uniform.", valueName: "uniform|long|ratio"))
    var method: SolverMethod?

    @Option(help: "uniform: time step η (default: min(0.05, 0.5/rate) from the explicit stability limit at t = 0).")
    var dt: Double?

    @Option(help: "Final time. Default 20.")
    var tmax: Double?

    @Option(help: "long: target for the estimated absolute error of e_train, e_test, a, v (default 1e-3).")
    var tolerance: Double?

    @Option(help: "long: keep a checkpoint in this file (rewritten atomically; removed when the run ends).")
    var checkpoint: String?

    @Option(name: .customLong("checkpoint-every"), help: "long: seconds between checkpoints.")
    var checkpointEvery: Double = 60

    @Flag(help: "long: continue from --checkpoint FILE (same problem and solver flags).")
    var resume = false

    @Option(name: .customLong("max-memory-gb"), help: "Refuse runs needing more two-time storage than this.")
    var maxMemoryGB: Double = 8

    @Option(help: "ratio: number of ratio nodes L (default 96).")
    var nodes: Int?

    @Option(help: "ratio: clustering A of the nodes at both ends; the smallest lag resolved at time t is about 4A·e^(−2A)·t/L (default 4).")
    var clustering: Double?

    @Option(help: "ratio: automatic (default: explicit until the stiff local rates hold its step, then implicit), implicit (TR-BDF2 with Newton–Krylov stages) or explicit (Bogacki–Shampine 3(2)).")
    var integrator: RatioGridSolver.Integrator?
}

/// A finished DMFT solve with what its sidecar needs.
struct SolveResult {
    let problem: TrainingProblem
    let trajectory: Trajectory
    let warnings: [String]
    let settings: [String: String]
    let started: Date
    let wallTime: Double
    let options: SolverSettings

    func metadata(spec: ProblemSpec) throws -> RunMetadata {
        try RunMetadata(
            command: CommandLine.arguments.joined(separator: " "), spec: spec, problem: problem, solver: settings,
            trajectory: trajectory, wallTime: wallTime, started: started, warnings: warnings
        ).recording(options.recorded, ignoring: options.ignoredConfigKeys)
    }
}

/// Runs a SymmDMFT solver with a progress bar; prints its warnings.
func solveDMFT(spec: ProblemSpec, _ options: SolverSettings) throws -> SolveResult {
    let problem = try spec.makeProblem()
    let control = Terminal.runControl(label: "dmft solve")
    let started = Date()
    let trajectory: Trajectory, warnings: [String], settings: [String: String]
    switch options.method {
    case .uniform:
        let dt = options.dt ?? UniformEulerSolver.suggestedStep(for: problem)
        var solver = UniformEulerSolver(step: dt, duration: options.tmax)
        solver.memoryLimitBytes = Int(options.maxMemoryGB * 1e9)
        let solution = try solver.solve(problem, control: control)
        (trajectory, warnings) = (solution.trajectory, solution.warnings)
        settings = [
            "name": "uniform-euler", "dt": "\(solver.gridStep)", "dt_requested": "\(dt)", "tmax": "\(options.tmax)",
            "steps": "\(solver.stepCount)", "order": "1",
        ]
    case .long:
        var solver = LongTimeSolver(duration: options.tmax, tolerance: options.tolerance ?? 1e-3)
        solver.memoryLimitBytes = options.maxMemoryGB * 1e9
        solver.checkpointPath = options.checkpoint
        solver.checkpointInterval = options.checkpointEvery
        let solution: LongTimeSolution
        do {
            solution = try solver.solve(problem, control: control, resume: options.resume)
        } catch DMFTError.cancelled where options.checkpoint != nil {
            Terminal.printError(
                "interrupted; the state is saved in \(options.checkpoint!): rerun the same command with --resume")
            throw DMFTError.cancelled
        }
        (trajectory, warnings) = (solution.trajectory, solution.warnings)
        settings = solver.sidecarSettings(solution)
    case .ratio:
        var solver = RatioGridSolver(duration: options.tmax)
        solver.tolerance = options.tolerance ?? solver.tolerance
        solver.nodes = options.nodes ?? solver.nodes
        solver.clustering = options.clustering ?? solver.clustering
        solver.integrator = options.integrator ?? solver.integrator
        solver.memoryLimitBytes = options.maxMemoryGB * 1e9
        let solution = try solver.solve(problem, control: control)
        (trajectory, warnings) = (solution.trajectory, solution.warnings)
        var ratioSettings = [
            "name": "ratio-grid", "tolerance": "\(solver.tolerance)", "nodes": "\(solver.nodes)",
            "clustering": "\(solver.clustering)", "integrator": solver.integrator.rawValue, "tmax": "\(options.tmax)",
            "steps": "\(trajectory.count - 1)",
        ]
        // A run that ended early (its warning says why) records where.
        if let last = trajectory.time.last, last < options.tmax * (1 - 1e-12) { ratioSettings["stopped_at"] = "\(last)" }
        settings = ratioSettings
    }
    let wall = Date().timeIntervalSince(started)
    for w in warnings { Terminal.printError("warning: \(w)") }
    return SolveResult(
        problem: problem, trajectory: trajectory, warnings: warnings, settings: settings, started: started,
        wallTime: wall, options: options)
}

/// Solves and writes CSV + JSON sidecar. Shared by `solve` and `example`. `inputs` are the
/// files the run reads (none of them may be an output).
func runSolve(spec: ProblemSpec, _ options: SolverSettings, out: String, inputs: [String] = []) throws -> Trajectory {
    let files = try OutputFiles(try RunOutput.paths(for: out), inputs: inputs + (options.checkpoint.map { [$0] } ?? []))
    let result = try solveDMFT(spec: spec, options)
    try RunOutput.stage(result.trajectory, metadata: try result.metadata(spec: spec), to: out, in: files)
    try files.commitUnlessInterrupted()
    reportWritten(out, rows: result.trajectory.count, seconds: result.wallTime)
    return result.trajectory
}

/// Runs a command's body with SIGINT and SIGTERM routed to `interrupted`, and reports
/// library errors as a clean message and a non-zero exit code (128 + the signal's number
/// for an interrupted run).
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    Terminal.installSignalHandlers()
    do { return try body() } catch DMFTError.cancelled {
        Terminal.printError("stopped by \(Terminal.signalName); no output was written")
        throw ExitCode(Terminal.interruptedExitCode)
    } catch let error as DMFTError {
        Terminal.printError("error: \(error)")
        throw ExitCode(1)
    }
}

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate the symmetric-initialisation DMFT and write the observables.",
        discussion: """
            --solver uniform (default) is the paper's Euler grid: first order in --dt, and memory and \
            time grow as N² and N³ with N = tmax/dt. --solver long reaches t = Θ(m): it picks its steps \
            from --tolerance, extrapolates to second order and writes its error estimate into the \
            sidecar; with --checkpoint FILE a killed run continues with --resume.
            """)

    @OptionGroup var problem: ProblemOptions
    @OptionGroup var solver: SolverOptions

    @Option(help: "Output CSV; the JSON sidecar goes next to it with extension .json.")
    var out: String = "dmft-solve.csv"

    func run() throws {
        try reportingErrors {
            let spec = try problem.spec()
            let layered = try problem.settings(solver.given)
            let settings = try layered.settings.resolved(for: spec.makeProblem())
            _ = try runSolve(
                spec: spec, try solver.settings(settings, ignoring: layered.ignoredConfigKeys), out: out,
                inputs: problem.inputFiles)
        }
    }
}

struct Example: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in default example: single index, h = φ̂ = 0.9q + q³/6, α = 0.3, τ = 0.6, "
            + "mean-field a₀ = 1, m = 50, to t = 40; writes the CSV, its JSON sidecar and the figure (.svg, and .png "
            + "when rsvg-convert is installed) next to it.")

    @Option(help: "Output CSV.")
    var out: String = "out/example.csv"

    @OptionGroup var resources: ResourceOptions

    /// The example's solver settings.
    var settings: SolverSettings { SolverSettings(dt: 0.05, tmax: 40, maxMemoryGB: resources.maxMemoryGB) }

    func run() throws {
        try reportingErrors {
            let trajectory = try runSolve(spec: .defaultExample, settings, out: out)
            print(summaryTable(trajectory, times: [0, 1, 2, 5, 10, 20, 40]))
            // The figure next to the CSV: SVG always, PNG when the converter is installed.
            let svgPath = replacingExtension(of: out, with: "svg")
            let pngPath = PNGRenderer.locate() == nil ? nil : replacingExtension(of: out, with: "png")
            let files = try OutputFiles([svgPath] + (pngPath.map { [$0] } ?? []), inputs: [out])
            let figure = try StandardFigure.observables(
                [(label: "DMFT m = \(ProblemSpec.defaultExample.width)", width: ProblemSpec.defaultExample.width,
                  trajectory: trajectory)],
                timeAxis: .t, logTime: false, panels: nil, maxMarkers: 30)
            try figure.stage(in: files, svgPath: svgPath, pngPath: pngPath, pngWidth: 1800)
            try files.commitUnlessInterrupted()
            print("figure: \(svgPath)" + (pngPath.map { " and \($0)" }
                ?? " (no PNG: \(PNGRenderer.program) is not installed)"))
        }
    }
}

/// A small fixed-width table of the main observables at the given times.
func summaryTable(_ trajectory: Trajectory, times: [Double]) -> String {
    let cols = ["t", "e_train", "e_test", "a", "v", "Cd_t0", "Co_tt"]
    var lines = [cols.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " ")]
    for t in times where t <= (trajectory.time.last ?? 0) + 1e-9 {
        let values = cols.map { trajectory.value($0, at: t) ?? .nan }
        lines.append(values.map { String(format: "%-10.5g", $0) }.joined(separator: " "))
    }
    return lines.joined(separator: "\n")
}
