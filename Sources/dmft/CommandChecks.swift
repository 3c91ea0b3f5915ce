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
            try solver.check(checked)
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
    /// The solver flags: in range, only those of the chosen `--solver`, the checkpoint file
    /// usable, and the run within `--max-memory-gb`.
    func check(_ problem: TrainingProblem) throws {
        let s = settings
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
    /// The simulation flags for `models`: in range, only those of the chosen models, and each
    /// simulation within the limits.
    func check(
        _ models: [SimulationModel], spec: ProblemSpec, problem: TrainingProblem, tmax: Double, memoryLimitGB: Double
    ) throws {
        try Check.count(dimension, "--dim", 2...10_000_000)
        try Check.count(runs, "--runs", 1...1_000_000)
        try Check.number(lr, "--lr", .positive(atMost: 1e6))
        try Check.count(batch, "--batch", 1...Int.max)
        try Check.number(recordEvery, "--record-every", .positive(atMost: tmax))
        try Check.count(testSamples, "--test-samples", 0...100_000_000)
        if !models.contains(.network) {
            try Check.notApplicable(
                ["--batch", "--test-samples"], to: "--model gaussian", instead: "it runs full-batch GD with time step --lr")
        }
        for model in models {
            let record = recordInterval(model, tmax: tmax)
            switch model {
            case .network:
                let sim = try networkSimulator(spec: spec, tmax: tmax, record: record)
                let n = sim.sampleCount(problem)
                guard n >= 1 else {
                    throw DMFTError.invalidInput("n = α·m·d rounds to 0 samples; raise --alpha, --width or --dim")
                }
                guard batch <= n else {
                    throw DMFTError.invalidInput("--batch \(batch) is more than the n = α·m·d = \(n) samples")
                }
                try Check.budget(.network(sim, problem: problem, runs: runs), memoryLimitGB: memoryLimitGB)
                guard record >= sim.stepTime(problem) * (1 - 1e-9) else {
                    let given = recordEvery == nil ? "the default --record-every (tmax/200)" : "--record-every"
                    throw DMFTError.invalidInput(
                        "\(given) \(Check.format(record)) is shorter than one SGD step, lr·d/n = "
                            + "\(Check.format(sim.stepTime(problem))); give --record-every of at least that, or a smaller --lr")
                }
                try sim.validate(problem)
            case .gaussian:
                let sim = gaussianSimulator(tmax: tmax, record: record)
                guard sim.sampleCount(problem) >= 1 else {
                    throw DMFTError.invalidInput("n = α·m·d rounds to 0 samples; raise --alpha, --width or --dim")
                }
                try Check.budget(.gaussian(sim, problem: problem, runs: runs), memoryLimitGB: memoryLimitGB)
                for (value, flag) in [(tmax, "--tmax"), (record, "--record-every")] {
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
            try Check.number(tmax, "--tmax", timeBounds)
            try Check.memoryLimit(resources.maxMemoryGB)
            try simulation.check([model], spec: spec, problem: checked, tmax: tmax, memoryLimitGB: resources.maxMemoryGB)
            try Check.outputPath(out, "--out")
            _ = try RunOutput.paths(for: out)
        }
    }
}

extension Compare {
    func validate() throws {
        try Check.refusing {
            let (spec, checked) = try problem.checked()
            try Check.number(tmax, "--tmax", timeBounds)
            try Check.number(dt, "--dt", .positive(atMost: tmax))
            if let range = try Check.list(window, "--window", .magnitude(atMost: 1e12), length: 2...2), range[0] > range[1] {
                throw DMFTError.invalidInput("--window takes T0,T1 with T0 ≤ T1")
            }
            try Check.memoryLimit(resources.maxMemoryGB)
            try Check.budget(.dmft(checked, settings), memoryLimitGB: resources.maxMemoryGB)
            try simulation.check(
                try chosenModels(), spec: spec, problem: checked, tmax: tmax, memoryLimitGB: resources.maxMemoryGB)
            try Check.outputDirectory(outDir, "--out-dir")
            if !noPNG { _ = try PNGRenderer.requireConverter(for: outDir + "/figure.png") }
        }
    }

    /// The DMFT side's solver settings.
    var settings: SolverSettings { SolverSettings(dt: dt, tmax: tmax, maxMemoryGB: resources.maxMemoryGB) }

    /// `--models` as a list of distinct simulators.
    func chosenModels() throws -> [SimulationModel] {
        let names = models.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var chosen: [SimulationModel] = []
        for name in names {
            guard let model = SimulationModel(rawValue: name) else {
                throw DMFTError.invalidInput("unknown model '\(name)' in --models (use gaussian, network or both)")
            }
            guard !chosen.contains(model) else { throw DMFTError.invalidInput("--models lists \(name) twice") }
            chosen.append(model)
        }
        return chosen
    }
}
