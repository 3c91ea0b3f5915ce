import DMFT
import Foundation

/// What one point of a scan needs, for the requests of `dmft scan slurm`: memory from the
/// checks every command runs (`Budget`), time from the work those budgets count at the rates
/// measured by `dmft-bench` on one core (README, Benchmarks), and a safety factor on both.
enum ScanResources {
    struct Estimate {
        var seconds: Double
        var bytes: Double
    }

    /// Start-up and files of one point's process.
    static let perPointSeconds = 1.0
    /// Multiplies the summed time and the memory: the rates are one machine's, and the long
    /// solver's grid is a lower bound.
    static let safetyFactor = 2.0
    /// Added to every task: the scan's own process, the merge of its manifest.
    static let taskSeconds = 60.0, taskBytes = 256e6

    /// A task's time limit for `seconds` of estimated work.
    static func taskSeconds(_ seconds: Double) -> Double { safetyFactor * seconds + taskSeconds }

    /// A task's memory for `bytes` needed at once.
    static func taskBytes(_ bytes: Double) -> Double { safetyFactor * bytes + taskBytes }

    static func estimate(_ command: ScanCommand, _ point: ScanPoint) throws -> Estimate {
        let config = try RunConfig(data: JSONEncoder().encode(point.settings), path: "point \(point.index)")
        let problem = try (config.problem ?? ProblemSpec()).makeProblem()
        let settings = try JSONEncoder().encode(point.record["settings"] ?? .object([:]))
        var estimate: Estimate
        switch command {
        case .solve:
            let s = try JSONDecoder().decode(SolveSettings.self, from: settings)
            estimate = dmft(problem, SolverSettings(
                method: s.method, dt: s.dt, tmax: try s.value(\.tmax, "tmax"), tolerance: s.tolerance, nodes: s.nodes,
                clustering: s.clustering, integrator: s.integrator))
        case .simulate:
            estimate = try simulation(problem, JSONDecoder().decode(SimulateSettings.self, from: settings))
        case .compare:
            let s = try JSONDecoder().decode(CompareSettings.self, from: settings)
            estimate = dmft(problem, SolverSettings(dt: s.dt, tmax: try s.value(\.tmax, "tmax")))
            for model in s.chosenModels {
                let part = try simulation(problem, s.simulate(model))
                estimate = Estimate(seconds: estimate.seconds + part.seconds, bytes: max(estimate.bytes, part.bytes))
            }
        case .asymptotics:
            // The m → ∞ systems are small (ODEs, or a two-time DMFT of one unit).
            estimate = Estimate(seconds: 60, bytes: 1e9)
        }
        estimate.seconds += perPointSeconds
        return estimate
    }

    /// B1: the uniform solver's work grows as N³, 16.5 s at N = 2000 on one thread; B2: the
    /// long solver's as (coarse points)³, 28.5 s at 1429; the ratio solver's reaches m = 100,
    /// t = 2000 in at most 70 s (README).
    private static func dmft(_ problem: TrainingProblem, _ settings: SolverSettings) -> Estimate {
        let budget = Budget.dmft(problem, settings)
        let seconds: Double
        switch settings.method {
        case .uniform: seconds = 16.5 * pow(budget.steps / 2000, 3)
        case .long: seconds = 28.5 * pow(budget.rows / 1429, 3)
        case .ratio: seconds = 120
        }
        return Estimate(seconds: seconds, bytes: budget.totalMemoryBytes)
    }

    /// B3: SGD at 3366 steps/s for a batch of 100 in d = 200, m = 100 (work ∝ B·d·m); B4:
    /// Gaussian-model GD at 938 steps/s over 12 MB of tensors (work ∝ the tensors' size).
    private static func simulation(_ problem: TrainingProblem, _ s: SimulateSettings) throws -> Estimate {
        let runs = try s.value(\.runs, "runs")
        switch try s.value(\.model, "model") {
        case .network:
            let simulator = try s.networkSimulator()
            let budget = Budget.network(simulator, problem: problem, runs: runs)
            let work = Double(simulator.batchSize * simulator.dimension * problem.width) / (100 * 200 * 100)
            return Estimate(seconds: budget.steps * work / 3366, bytes: budget.totalMemoryBytes)
        case .gaussian:
            let simulator = try s.gaussianSimulator()
            let budget = Budget.gaussian(simulator, problem: problem, runs: runs)
            let work = Double(simulator.memoryPerRealisation(problem)) / 12e6
            return Estimate(seconds: budget.steps * work / 938, bytes: budget.totalMemoryBytes)
        }
    }
}
