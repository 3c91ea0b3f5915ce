import ArgumentParser
import DMFT
import Foundation

// Every command's `validate()`: ArgumentParser calls it after parsing and before `run()`,
// so a refusal comes before any work and before any file is touched. Each one goes through
// `Check` (numbers, flags that do not apply, paths, resources) and the problem checks.

/// Times: positive and finite (the resource checks refuse what no run can reach, with their estimate).
let timeBounds = Check.Bounds.positive(atMost: .greatestFiniteMagnitude)
/// Tolerances of the adaptive solvers.
let toleranceBounds = Check.Bounds(lower: 1e-12, upper: 1, upperOpen: true)

extension Solve {
    func validate() throws {
        try Check.refusing {
            let (_, checked) = try problem.checked()
            let resolved = try problem.settings(solver.given).settings.resolved(for: checked)
            try SolverOptions.check(checked, try solver.settings(resolved, ignoring: []))
            try Check.outputPath(out, "--out")
            _ = try RunOutput.paths(for: out)
        }
    }
}

extension Example {
    func validate() throws {
        try Check.refusing {
            try Check.memoryLimit(resources.maxMemoryGB)
            try Check.budget(
                .dmft(try ProblemSpec.defaultExample.makeProblem(), settings), memoryLimitGB: resources.maxMemoryGB)
            try Check.outputPath(out, "--out")
            _ = try RunOutput.paths(for: out)
        }
    }
}

extension SolverOptions {
    /// The solver settings `s` (flags over `--config`): in range, only the flags of the chosen
    /// `--solver`, the checkpoint file usable, and the run within `--max-memory-gb`.
    static func check(_ problem: TrainingProblem, _ s: SolverSettings) throws {
        try Check.number(s.tmax, "--tmax", timeBounds)
        try Check.number(s.dt, "--dt", .positive(atMost: s.tmax))
        try Check.number(s.tolerance, "--tolerance", toleranceBounds)
        try Check.number(s.checkpointEvery, "--checkpoint-every", .nonNegative(atMost: 1e9))
        try Check.memoryLimit(s.maxMemoryGB)
        try Check.count(s.nodes, "--nodes", 16...2048)
        try Check.number(s.clustering, "--clustering", Check.Bounds(lower: 0.5, upper: 12, lowerOpen: true))
        switch s.method {
        case .uniform:
            try Check.notApplicable(
                ["--tolerance", "--checkpoint", "--checkpoint-every", "--resume", "--nodes", "--clustering", "--integrator"],
                to: "--solver uniform", instead: "it takes --dt and --tmax (--solver long and ratio take the others)")
        case .long:
            try Check.notApplicable(
                ["--dt", "--nodes", "--clustering", "--integrator"], to: "--solver long",
                instead: "it chooses its steps from --tolerance and takes --checkpoint, --checkpoint-every, --resume")
        case .ratio:
            try Check.number(s.tmax, "--tmax with --solver ratio", Check.Bounds(lower: 0, upper: 1e12, lowerOpen: true, upperOpen: true))
            try Check.notApplicable(
                ["--dt", "--checkpoint", "--checkpoint-every", "--resume"], to: "--solver ratio",
                instead: "it takes --tolerance, --nodes, --clustering and --integrator")
            try problem.refuse(
                [.frozenFirstLayer], in: "--solver ratio",
                instead: "its grid starts from R(t,t⁺) = 1; use --solver uniform or long")
        }
        if let checkpoint = s.checkpoint {
            if s.resume {
                try Check.inputFile(checkpoint, "--checkpoint")
            } else {
                try Check.outputPath(checkpoint, "--checkpoint", existingDirectory: true)
            }
        } else {
            try Check.notApplicable(
                ["--resume", "--checkpoint-every"], to: "a run without --checkpoint FILE", instead: "give --checkpoint FILE")
        }
        try Check.budget(.dmft(problem, s), memoryLimitGB: s.maxMemoryGB)
    }
}

extension SimulationOptions {
    /// The simulation settings of each of `models` (`resolved(model)`: flags over `--config`,
    /// defaults filled in): in range, only the flags of the chosen models, and each simulation
    /// within the limits.
    func check(
        _ models: [SimulationModel], resolved: (SimulationModel) throws -> SimulateSettings, spec: ProblemSpec,
        problem: TrainingProblem, tmax: Double, memoryLimitGB: Double
    ) throws {
        if !models.contains(.network) {
            try Check.notApplicable(
                ["--batch", "--test-samples", "--record-log"], to: "--model gaussian",
                instead: "it runs full-batch GD with time step --lr and records every --record-every")
        }
        for model in models {
            let r = try resolved(model)
            try Check.count(r.dim, "--dim", 2...10_000_000)
            try Check.count(r.runs, "--runs", 1...1_000_000)
            try Check.number(r.lr, "--lr", .positive(atMost: 1e6))
            try Check.count(r.batch, "--batch", 1...Int.max)
            try Check.number(r.recordEvery, "--record-every", .positive(atMost: tmax))
            try Check.count(r.testSamples, "--test-samples", 0...100_000_000)
            try Check.count(r.recordLog, "--record-log", 1...1000)
            if recordEvery != nil && r.recordLog != nil {
                throw DMFTError.invalidInput(
                    "give either --record-every (a linear grid) or --record-log (a logarithmic one), not both "
                        + "(record_log may come from --config)")
            }
            let runs = try r.value(\.runs, "runs")
            switch model {
            case .network:
                var sim = try r.networkSimulator()
                sim.activation = try spec.activation.map(Activation.init(parsing:))
                sim.target = try spec.target.map(Activation.init(parsing:))
                let n = sim.sampleCount(problem)
                guard n >= 1 else {
                    throw DMFTError.invalidInput("n = α·m·d rounds to 0 samples; raise --alpha, --width or --dim")
                }
                guard sim.batchSize <= n else {
                    throw DMFTError.invalidInput("--batch \(sim.batchSize) is more than the n = α·m·d = \(n) samples")
                }
                try Check.budget(.network(sim, problem: problem, runs: runs), memoryLimitGB: memoryLimitGB)
                guard sim.recordsPerDecade > 0 || sim.recordInterval >= sim.stepTime(problem) * (1 - 1e-9) else {
                    throw DMFTError.invalidInput(
                        "--record-every \(Check.format(sim.recordInterval)) is shorter than one SGD step, lr·d/n = "
                            + "\(Check.format(sim.stepTime(problem))); give --record-every of at least that, or a smaller --lr")
                }
                try sim.validate(problem)
            case .gaussian:
                let sim = try r.gaussianSimulator()
                guard sim.sampleCount(problem) >= 1 else {
                    throw DMFTError.invalidInput("n = α·m·d rounds to 0 samples; raise --alpha, --width or --dim")
                }
                try Check.budget(.gaussian(sim, problem: problem, runs: runs), memoryLimitGB: memoryLimitGB)
                for (value, flag) in [(tmax, "--tmax"), (sim.recordInterval, "--record-every")] {
                    let ratio = value / sim.step
                    guard ratio >= 1 - 1e-9, abs(ratio - ratio.rounded()) <= 1e-9 * ratio else {
                        throw DMFTError.invalidInput(
                            "\(flag) \(Check.format(value)) must be a whole number of Gaussian-model steps --lr "
                                + Check.format(sim.step))
                    }
                }
                try sim.validate(problem)
            }
        }
    }
}

extension Simulate {
    func validate() throws {
        try Check.refusing {
            let (spec, checked) = try problem.checked()
            var flags = simulation.given
            (flags.model, flags.tmax) = (model, tmax)
            let settings = try problem.settings(flags).settings.resolved()
            let duration = try settings.value(\.tmax, "tmax"), chosen = try settings.value(\.model, "model")
            try Check.number(duration, "--tmax", timeBounds)
            try Check.memoryLimit(resources.maxMemoryGB)
            try simulation.check(
                [chosen], resolved: { _ in settings }, spec: spec, problem: checked, tmax: duration,
                memoryLimitGB: resources.maxMemoryGB)
            try Check.outputPath(out, "--out")
            _ = try RunOutput.paths(for: out)
        }
    }
}

extension Compare {
    func validate() throws {
        try Check.refusing {
            let (spec, checked) = try problem.checked()
            let settings = try problem.settings(try given).settings.resolved(for: checked)
            let duration = try settings.value(\.tmax, "tmax")
            try Check.number(duration, "--tmax", timeBounds)
            if let range = settings.window {
                try Check.number(range[0], "--window", .magnitude(atMost: 1e12))
                try Check.number(range[1], "--window", .magnitude(atMost: 1e12))
            }
            let models = settings.chosenModels
            guard Set(models).count == models.count else { throw DMFTError.invalidInput("--models lists a model twice") }
            try SolverOptions.check(
                checked, SolverSettings(settings.theory, tmax: duration, maxMemoryGB: resources.maxMemoryGB))
            try simulation.check(
                models, resolved: settings.simulate, spec: spec, problem: checked, tmax: duration,
                memoryLimitGB: resources.maxMemoryGB)
            try Check.outputDirectory(outDir, "--out-dir")
            if try settings.value(\.png, "png") { _ = try PNGRenderer.requireConverter(for: outDir + "/figure.png") }
        }
    }
}
