import ArgumentParser
import DMFT
import Foundation

/// Simulator flags shared by `simulate` and `compare`.
struct SimulationOptions: ParsableArguments {
    @Option(name: .customLong("dim"), help: "Input dimension d (default: 200 network, 50 gaussian).")
    var dimension: Int?

    @Option(help: "Number of independent realisations averaged. Default 10.")
    var runs: Int?

    @Option(help: "Random seed; the same seed gives the same numbers. Default 1.")
    var seed: UInt64?

    @Option(help: "Step: SGD learning rate (network, default 0.1) or GD time step (gaussian, default 0.02).")
    var lr: Double?

    @Option(help: "Mini-batch size for the network (n for full-batch GD). Default 100.")
    var batch: Int?

    @Option(name: .customLong("record-every"), help: "Time between recorded rows, a linear grid (Gaussian model default: about tmax/200, a multiple of its step; the network records on the --record-log grid unless this is given).")
    var recordEvery: Double?

    @Option(name: .customLong("record-log"), help: "Network only: record N rows per decade of time, at t = 10^(k/N) (plus t = 0 and tmax). Default 20 unless --record-every is given; each row is a full pass over the training set.")
    var recordLog: Int?

    @Option(name: .customLong("test-samples"), help: "Network only: also measure e_test on this many fresh samples. Default 0.")
    var testSamples: Int?

    /// Runs the simulator of `resolved` (see `SimulateSettings.resolved()`); returns the
    /// averaged trajectory and the simulator's description for the sidecar.
    static func run(
        _ resolved: SimulateSettings, spec: ProblemSpec, problem: TrainingProblem, control: RunControl
    ) throws -> (trajectory: Trajectory, settings: [String: String]) {
        let model = try resolved.value(\.model, "model"), tmax = try resolved.value(\.tmax, "tmax")
        let runs = try resolved.value(\.runs, "runs")
        var settings = ["model": model.rawValue, "runs": "\(runs)", "seed": "\(try resolved.value(\.seed, "seed"))",
                        "tmax": "\(tmax)"]
        switch model {
        case .gaussian:
            let sim = try resolved.gaussianSimulator()
            settings.merge(["name": "gaussian-process-gd", "dim": "\(sim.dimension)", "step": "\(sim.step)",
                            "record_every": "\(sim.recordInterval)",
                            "samples": "\(sim.sampleCount(problem))",
                            "memory_per_realisation_bytes": "\(sim.memoryPerRealisation(problem))"]) { $1 }
            return (try sim.simulate(problem, runs: runs, control: control), settings)
        case .network:
            var sim = try resolved.networkSimulator()
            sim.activation = try spec.activation.map(Activation.init(parsing:))
            sim.target = try spec.target.map(Activation.init(parsing:))
            settings.merge(["name": "network-sgd", "dim": "\(sim.dimension)", "lr": "\(sim.learningRate)",
                            "batch": "\(sim.batchSize)", "samples": "\(sim.sampleCount(problem))",
                            "steps": "\(sim.stepCount(problem))", "time_per_step": "\(sim.stepTime(problem))"]) { $1 }
            settings[sim.recordsPerDecade > 0 ? "record_log" : "record_every"] =
                sim.recordsPerDecade > 0 ? "\(sim.recordsPerDecade)" : "\(sim.recordInterval)"
            return (try sim.simulate(problem, runs: runs, control: control), settings)
        }
    }
}

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Finite-width experiments: GD on the Gaussian-process model or SGD on a real two-layer network.",
        discussion: """
            Same problem flags and output layout as `dmft solve`; every observable is averaged over
            --runs realisations with a standard-error column <name>_se, plus a_l1 = ‖a‖₁/m. The
            Gaussian-process model is exactly what the DMFT describes (differences shrink like 1/d);
            the real network shows how good the Gaussian approximation is. For the network, --lr is
            the SGD step and one step advances gradient-flow time by lr·d/n; for the Gaussian model
            it is the GD step in time.
            """)

    @OptionGroup var problem: ProblemOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: "gaussian (GD on the Gaussian-process model) or network (SGD on a real network); required unless --config has it.")
    var model: SimulationModel?

    @Option(help: "Final gradient-flow time. Default 20.")
    var tmax: Double?

    @Option(help: "Output CSV; the JSON sidecar goes next to it with extension .json.")
    var out: String = "dmft-simulate.csv"

    @OptionGroup var resources: ResourceOptions

    func run() throws {
        try reportingErrors {
            let files = try OutputFiles(try RunOutput.paths(for: out), inputs: problem.inputFiles)
            let spec = try problem.spec()
            let trainingProblem = try spec.makeProblem()
            var flags = simulation.given
            (flags.model, flags.tmax) = (model, tmax)
            let layered = try problem.settings(flags)
            let settings = try layered.settings.resolved()
            let started = Date()
            let result = try SimulationOptions.run(
                settings, spec: spec, problem: trainingProblem,
                control: Terminal.runControl(label: "dmft simulate \(settings.model?.rawValue ?? "")"))
            let wall = Date().timeIntervalSince(started)
            let metadata = try RunMetadata(
                command: CommandLine.arguments.joined(separator: " "), spec: spec, problem: trainingProblem,
                solver: result.settings, trajectory: result.trajectory, wallTime: wall, started: started, warnings: []
            ).recording(settings, ignoring: layered.ignoredConfigKeys)
            try RunOutput.stage(result.trajectory, metadata: metadata, to: out, in: files)
            try files.commitUnlessInterrupted()
            reportWritten(out, rows: result.trajectory.count, seconds: wall)
        }
    }
}

/// The one-line confirmation every command prints after writing its output.
func reportWritten(_ csv: String, rows: Int, seconds: Double) {
    Terminal.printError(
        String(format: "wrote %@ and %@ (%d rows, %.2f s)", csv, RunOutput.sidecarPath(for: csv), rows, seconds))
}
