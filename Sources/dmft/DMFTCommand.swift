import ArgumentParser
import DMFT
import Foundation

@main
struct DMFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmft",
        abstract: "Training dynamics of large two-layer networks: DMFT theory and finite-width experiments.",
        version: dmftVersion,
        subcommands: [Solve.self, Simulate.self, Compare.self, Plot.self, Example.self])
}

/// Solver flags of `dmft solve`.
struct SolverOptions: ParsableArguments {
    @Option(help: "Time step η (default: min(0.05, 0.5/rate) from the explicit stability limit at t = 0).")
    var dt: Double?

    @Option(help: "Final time. Default 20.")
    var tmax: Double = 20

    @Option(name: .customLong("max-memory-gb"), help: "Refuse runs needing more two-time storage than this.")
    var maxMemoryGB: Double = 8
}

/// A finished DMFT solve with what its sidecar needs.
struct SolveResult {
    let problem: TrainingProblem
    let solution: DMFTSolution
    let settings: [String: String]
    let started: Date
    let wallTime: Double

    func metadata(spec: ProblemSpec) -> RunMetadata {
        RunMetadata(
            command: CommandLine.arguments.joined(separator: " "), spec: spec, problem: problem, solver: settings,
            trajectory: solution.trajectory, wallTime: wallTime, started: started, warnings: solution.warnings)
    }
}

/// Runs the uniform-grid SymmDMFT solver with a progress bar; prints its warnings.
func solveDMFT(spec: ProblemSpec, dt requestedStep: Double?, tmax: Double, maxMemoryGB: Double = 8) throws -> SolveResult {
    let problem = try spec.makeProblem()
    guard maxMemoryGB.isFinite && maxMemoryGB > 0 && maxMemoryGB < 1e6 else {
        throw DMFTError.invalidInput("--max-memory-gb must be a positive number of gigabytes, got \(maxMemoryGB)")
    }
    let dt = requestedStep ?? UniformEulerSolver.suggestedStep(for: problem)
    var solver = UniformEulerSolver(step: dt, duration: tmax)
    solver.memoryLimitBytes = Int(maxMemoryGB * 1e9)
    let started = Date()
    let solution = try solver.solve(problem, control: Terminal.runControl(label: "dmft solve"))
    let wall = Date().timeIntervalSince(started)
    for w in solution.warnings { Terminal.printError("warning: \(w)") }
    let settings = ["name": "uniform-euler", "dt": "\(solver.gridStep)", "dt_requested": "\(dt)", "tmax": "\(tmax)", "steps": "\(solver.stepCount)", "order": "1"]
    return SolveResult(problem: problem, solution: solution, settings: settings, started: started, wallTime: wall)
}

/// Solves and writes CSV + JSON sidecar. Shared by `solve` and `example`.
func runSolve(spec: ProblemSpec, dt: Double?, tmax: Double, maxMemoryGB: Double = 8, out: String) throws -> Trajectory {
    let result = try solveDMFT(spec: spec, dt: dt, tmax: tmax, maxMemoryGB: maxMemoryGB)
    try RunOutput.write(result.solution.trajectory, metadata: result.metadata(spec: spec), to: out)
    reportWritten(out, rows: result.solution.trajectory.count, seconds: result.wallTime)
    return result.solution.trajectory
}

/// Reports library errors as a clean message and a non-zero exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as DMFTError {
        Terminal.printError("error: \(error)")
        throw ExitCode(error == .cancelled ? 130 : 1)
    }
}

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate the symmetric-initialisation DMFT (uniform Euler grid) and write the observables.")

    @OptionGroup var problem: ProblemOptions
    @OptionGroup var solver: SolverOptions

    @Option(help: "Output CSV; the JSON sidecar goes next to it with extension .json.")
    var out: String = "dmft-solve.csv"

    func run() throws {
        try reportingErrors {
            _ = try runSolve(
                spec: try problem.spec(), dt: solver.dt, tmax: solver.tmax, maxMemoryGB: solver.maxMemoryGB, out: out)
        }
    }
}

struct Example: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in default example: single index, h = φ̂ = 0.9q + q³/6, α = 0.3, τ = 0.6, "
            + "mean-field a₀ = 1, m = 50, to t = 40.")

    @Option(help: "Output CSV.")
    var out: String = "out/example.csv"

    func run() throws {
        try reportingErrors {
            let trajectory = try runSolve(
                spec: .defaultExample, dt: 0.05, tmax: 40, out: out)
            print(summaryTable(trajectory, times: [0, 1, 2, 5, 10, 20, 40]))
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
