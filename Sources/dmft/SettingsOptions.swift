import ArgumentParser
import DMFT
import Foundation

// The flags of each command as its settings (`CommandSettings`, nil where a flag is not
// given), layered over `--config` and recorded in the sidecars. Precedence: flag > config >
// default; the defaults live in the settings types' `resolved(…)`.

extension SolverMethod: ExpressibleByArgument {}
extension SimulationModel: ExpressibleByArgument {}
extension AsymptoticRegime: ExpressibleByArgument {}
extension RatioGridSolver.Integrator: ExpressibleByArgument {}

extension ProblemOptions {
    /// The `--config` file, read and checked; nil without `--config`.
    func runConfig() throws -> RunConfig? {
        try config.map { try RunConfig(contentsOf: $0) }
    }

    /// The flags given (`flags`) over the settings of `--config`.
    func settings<S: CommandSettings>(_ flags: S) throws -> Layered<S> {
        try S.layered(flags: flags, config: runConfig())
    }
}

extension SolverOptions {
    /// The solver flags given.
    var given: SolveSettings {
        SolveSettings(
            solver: method, tmax: tmax, dt: dt, tolerance: tolerance, nodes: nodes, clustering: clustering,
            integrator: integrator)
    }

    /// What `solveDMFT` runs: the resolved settings with this run's checkpoint and memory flags.
    func settings(_ resolved: SolveSettings, ignoring ignored: [String]) throws -> SolverSettings {
        var s = SolverSettings(
            method: resolved.method, dt: resolved.dt, tmax: try resolved.value(\.tmax, "tmax"),
            tolerance: resolved.tolerance, checkpoint: checkpoint, checkpointEvery: checkpointEvery, resume: resume,
            maxMemoryGB: maxMemoryGB, nodes: resolved.nodes, clustering: resolved.clustering,
            integrator: resolved.integrator)
        s.ignoredConfigKeys = ignored
        return s
    }
}

extension SolverSettings {
    /// What `solveDMFT` runs for the resolved settings `s` (no checkpoint), to `tmax`.
    init(_ s: SolveSettings, tmax: Double, maxMemoryGB: Double) {
        self.init(
            method: s.method, dt: s.dt, tmax: tmax, tolerance: s.tolerance, maxMemoryGB: maxMemoryGB, nodes: s.nodes,
            clustering: s.clustering, integrator: s.integrator)
    }

    /// The settings a sidecar records (checkpointing and the memory limit do not change the output).
    var recorded: SolveSettings {
        SolveSettings(
            solver: method, tmax: tmax, dt: dt, tolerance: tolerance, nodes: nodes, clustering: clustering,
            integrator: integrator)
    }
}

extension SimulationOptions {
    /// The simulator flags given (`model` and `tmax` are the command's).
    var given: SimulateSettings {
        SimulateSettings(
            dim: dimension, runs: runs, seed: seed, lr: lr, batch: batch, recordEvery: recordEvery,
            testSamples: testSamples, recordLog: recordLog)
    }
}

extension Asymptotics {
    /// The flags given, with the regime argument.
    var given: AsymptoticsSettings {
        get throws {
            AsymptoticsSettings(
                regime: regime, tmax: tmax, dt: dt, tolerance: tolerance, indexCount: indexCount,
                typeA0: try typeA0.map { try parseCoefficientList($0, what: "--type-a0") },
                typeWeights: try typeWeights.map { try parseCoefficientList($0, what: "--type-weights") })
        }
    }
}

extension Compare {
    /// The flags given.
    var given: CompareSettings {
        get throws {
            CompareSettings(
                models: try models.map(Self.parseModels), dt: dt, tmax: tmax, window: try window.map(Self.parseWindow),
                timeAxis: timeAxis, logTime: logTime, png: png, simulation: simulation.given,
                theory: SolveSettings(
                    solver: method, tolerance: tolerance, nodes: nodes, clustering: clustering, integrator: integrator))
        }
    }

    static func parseModels(_ list: String) throws -> [SimulationModel] {
        let chosen = try list.split(separator: ",").map { name -> SimulationModel in
            guard let m = SimulationModel(rawValue: String(name)) else {
                throw DMFTError.invalidInput("unknown model '\(name)' in --models (use gaussian, network)")
            }
            return m
        }
        guard !chosen.isEmpty else { throw DMFTError.invalidInput("--models is empty") }
        return chosen
    }

    static func parseWindow(_ window: String) throws -> [Double] {
        let v = try parseCoefficientList(window, what: "--window")
        guard v.count == 2, v[0] <= v[1] else { throw DMFTError.invalidInput("--window takes T0,T1 with T0 ≤ T1") }
        return v
    }
}

extension Threshold {
    /// `--widths 10,20,40`: whole positive widths.
    func parseWidthList(_ text: String) throws -> [Int] {
        try parseCoefficientList(text, what: "--widths").map { w in
            guard w >= 1, w <= 100_000, w == w.rounded() else {
                throw DMFTError.invalidInput("--widths must be whole numbers from 1 to 100000, got \(w)")
            }
            return Int(w)
        }
    }

    /// The flags given.
    var given: ThresholdSettings {
        get throws {
            ThresholdSettings(
                scan: scan, values: try values.map { try parseCoefficientList($0, what: "--values") },
                limit: try limit.map(ThresholdWidthLimit.init(parsing:)), epsilon: epsilon, tolerance: tolerance,
                tmaxStart: tmaxStart, tmax: tmax, maxMemoryGB: maxMemoryGB, confidence: confidence, png: png,
                widths: try widths.map { try parseWidthList($0) }, dt: dt)
        }
    }
}
