import ArgumentParser
import DMFT
import Foundation

/// Which finite-width simulator.
enum SimulationModel: String, ExpressibleByArgument, CaseIterable {
    /// GD on the Gaussian-process model (exactly what the DMFT describes).
    case gaussian
    /// SGD on a real two-layer network.
    case network
}

/// Simulator flags shared by `simulate` and `compare`.
struct SimulationOptions: ParsableArguments {
    @Option(name: .customLong("dim"), help: "Input dimension d (default: 200 network, 50 gaussian).")
    var dimension: Int?

    @Option(help: "Number of independent realisations averaged.")
    var runs: Int = 10

    @Option(help: "Random seed; the same seed gives the same numbers.")
    var seed: UInt64 = 1

    @Option(help: "Step: SGD learning rate (network, default 0.1) or GD time step (gaussian, default 0.02).")
    var lr: Double?

    @Option(help: "Mini-batch size for the network (n for full-batch GD).")
    var batch: Int = 100

    @Option(name: .customLong("record-every"), help: "Time between recorded rows (default about tmax/200; for the Gaussian model a multiple of its step).")
    var recordEvery: Double?

    @Option(name: .customLong("test-samples"), help: "Network only: also measure e_test on this many fresh samples.")
    var testSamples: Int = 0

    /// Runs `model` to `tmax`; returns the averaged trajectory and the settings for the sidecar.
    func run(
        _ model: SimulationModel, spec: ProblemSpec, problem: TrainingProblem, tmax: Double, control: RunControl
    ) throws -> (trajectory: Trajectory, settings: [String: String]) {
        let record = recordInterval(model, tmax: tmax)
        var settings = ["model": model.rawValue, "runs": "\(runs)", "seed": "\(seed)", "tmax": "\(tmax)",
                        "record_every": "\(recordEvery ?? tmax / 200)"]
        switch model {
        case .gaussian:
            let sim = gaussianSimulator(tmax: tmax, record: record)
            settings.merge(["name": "gaussian-process-gd", "dim": "\(sim.dimension)", "step": "\(sim.step)",
                            "samples": "\(sim.sampleCount(problem))",
                            "memory_per_realisation_bytes": "\(sim.memoryPerRealisation(problem))"]) { $1 }
            return (try sim.simulate(problem, runs: runs, control: control), settings)
        case .network:
            let sim = try networkSimulator(spec: spec, tmax: tmax, record: record)
            settings.merge(["name": "network-sgd", "dim": "\(sim.dimension)", "lr": "\(sim.learningRate)",
                            "batch": "\(batch)", "samples": "\(sim.sampleCount(problem))",
                            "steps": "\(sim.stepCount(problem))", "time_per_step": "\(sim.stepTime(problem))"]) { $1 }
            return (try sim.simulate(problem, runs: runs, control: control), settings)
        }
    }

    /// Time between recorded rows: `--record-every`, or about tmax/200 (for the Gaussian
    /// model rounded to a whole number of its steps).
    func recordInterval(_ model: SimulationModel, tmax: Double) -> Double {
        if let recordEvery { return recordEvery }
        guard model == .gaussian else { return tmax / 200 }
        let step = lr ?? 0.02
        return max(1, (tmax / 200 / step).rounded()) * step
    }

    /// The Gaussian-process simulator these flags describe.
    func gaussianSimulator(tmax: Double, record: Double) -> GaussianModelSimulator {
        GaussianModelSimulator(dimension: dimension ?? 50, step: lr ?? 0.02, duration: tmax, recordInterval: record, seed: seed)
    }

    /// The network simulator these flags describe for the problem `spec`.
    func networkSimulator(spec: ProblemSpec, tmax: Double, record: Double) throws -> NetworkSimulator {
        var sim = NetworkSimulator(
            dimension: dimension ?? 200, learningRate: lr ?? 0.1, batchSize: batch, duration: tmax,
            recordInterval: record, seed: seed)
        sim.activation = try spec.activation.map(Activation.init(parsing:))
        sim.target = try spec.target.map(Activation.init(parsing:))
        sim.testSamples = testSamples
        return sim
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

    @Option(help: "gaussian (GD on the Gaussian-process model) or network (SGD on a real network).")
    var model: SimulationModel

    @Option(help: "Final gradient-flow time.")
    var tmax: Double = 20

    @Option(help: "Output CSV; the JSON sidecar goes next to it with extension .json.")
    var out: String = "dmft-simulate.csv"

    @OptionGroup var resources: ResourceOptions

    func run() throws {
        try reportingErrors {
            let files = try OutputFiles(try RunOutput.paths(for: out), inputs: problem.inputFiles)
            let spec = try problem.spec()
            let trainingProblem = try spec.makeProblem()
            let started = Date()
            let result = try simulation.run(
                model, spec: spec, problem: trainingProblem, tmax: tmax,
                control: Terminal.runControl(label: "dmft simulate \(model.rawValue)"))
            let wall = Date().timeIntervalSince(started)
            let metadata = RunMetadata(
                command: CommandLine.arguments.joined(separator: " "), spec: spec, problem: trainingProblem,
                solver: result.settings, trajectory: result.trajectory, wallTime: wall, started: started, warnings: [])
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
