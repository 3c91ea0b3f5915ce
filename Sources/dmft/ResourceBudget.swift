import ArgumentParser
import DMFT
import Foundation

/// What a run will need, estimated from its settings in floating point (so that no setting
/// can overflow the estimate) before anything is allocated.
struct Budget {
    /// The run in the user's words, e.g. "--solver uniform to --tmax 20 with --dt 0.05".
    var what: String
    /// Time steps in all (every realisation of a simulation together).
    var steps: Double = 0
    /// Peak memory.
    var memoryBytes: Double = 0
    /// Rows written, and the number of values per row.
    var rows: Double = 0
    var columns: Double = 9
    /// The estimate is a lower bound (adaptive solvers may need more).
    var atLeast = false
    /// What to change when it is too much, and when the output is (if something else).
    var advice: String
    var outputAdvice: String? = nil

    /// Bytes of the CSV output, at about 20 characters per value.
    var outputBytes: Double { rows * columns * Self.bytesPerValue }

    /// Characters per value in a CSV (`%.12g` and a comma).
    static let bytesPerValue = 20.0

    /// The memory of the run plus its output, held as numbers and as text before it is written.
    var totalMemoryBytes: Double { memoryBytes + rows * columns * (8 + Self.bytesPerValue) }
}

/// Limits against runs no one means to start (a typo in an exponent): more time steps than
/// `steps` or more output than `outputBytes` are refused; memory is limited by
/// `--max-memory-gb` and by the machine's memory.
enum Limits {
    /// Time steps of one run, all realisations together.
    static let steps = 1e9
    /// Bytes written by one run.
    static let outputBytes = 1e9
    /// Memory of this machine.
    static let physicalMemory = Double(ProcessInfo.processInfo.physicalMemory)
}

extension Check {
    /// Refuses a `--max-memory-gb` that is not positive or exceeds the machine's memory.
    static func memoryLimit(_ gigabytes: Double, _ flag: String = "--max-memory-gb") throws {
        try number(gigabytes, flag, .positive(atMost: 1e6))
        if given(flag), gigabytes * 1e9 > Limits.physicalMemory {
            throw DMFTError.invalidInput(
                "\(flag) \(format(gigabytes)) is more than this machine's \(format(Limits.physicalMemory / 1e9)) GB")
        }
    }

    /// Refuses a run whose estimate exceeds the limits, saying what it would need.
    static func budget(_ budget: Budget, memoryLimitGB: Double, memoryFlag: String = "--max-memory-gb") throws {
        let prefix = "\(budget.what) needs \(budget.atLeast ? "at least " : "")"
        let limit = min(memoryLimitGB * 1e9, Limits.physicalMemory)
        if budget.steps > Limits.steps {
            throw DMFTError.invalidInput(
                prefix + "\(estimate(budget.steps)) time steps (limit \(format(Limits.steps))); \(budget.advice)")
        }
        // The output is named first when it is what makes the run too large.
        let outputFirst = budget.memoryBytes < budget.totalMemoryBytes - budget.memoryBytes
        for check in outputFirst ? [false, true] : [true, false] {
            if check, budget.totalMemoryBytes > limit {
                let machine = limit < memoryLimitGB * 1e9 ? "this machine's memory" : memoryFlag
                throw DMFTError.invalidInput(
                    prefix + "\(gigabytes(budget.totalMemoryBytes)) of memory (limit \(gigabytes(limit)), \(machine)); "
                        + budget.advice)
            }
            if !check, budget.outputBytes > Limits.outputBytes {
                throw DMFTError.invalidInput(
                    prefix + "\(estimate(budget.rows)) output rows, about \(gigabytes(budget.outputBytes)) of CSV (limit "
                        + "\(gigabytes(Limits.outputBytes))); \(budget.outputAdvice ?? budget.advice)")
            }
        }
    }

    /// `x` bytes as "12 MB" or "4.8 GB".
    static func gigabytes(_ bytes: Double) -> String {
        bytes < 1e9 ? String(format: "%.0f MB", max(bytes / 1e6, 1)) : estimate(bytes / 1e9) + " GB"
    }

    /// An estimate for messages: `format`, or "more than 1e308" when it overflowed.
    static func estimate(_ x: Double) -> String { x.isFinite ? format(x) : "more than 1e308" }
}

/// `--max-memory-gb` for the commands whose other flags do not carry it.
struct ResourceOptions: ParsableArguments {
    @Option(name: .customLong("max-memory-gb"), help: "Refuse runs estimated to need more memory than this (GB).")
    var maxMemoryGB: Double = 8

    /// The limit in bytes.
    var bytes: Double { maxMemoryGB * 1e9 }
}

extension Budget {
    /// `dmft solve` (and `compare`'s DMFT) with these settings.
    static func dmft(_ problem: TrainingProblem, _ settings: SolverSettings) -> Budget {
        switch settings.method {
        case .uniform:
            let dt = settings.dt ?? UniformEulerSolver.suggestedStep(for: problem)
            let n = (settings.tmax / dt).rounded(.up)
            return Budget(
                what: "--solver uniform to --tmax \(Check.format(settings.tmax)) with "
                    + "\(settings.dt == nil ? "the default " : "")--dt \(Check.format(dt)) (N = \(Check.estimate(n)) steps)",
                steps: n, memoryBytes: 6 * 8 * (n + 1) * (n + 1), rows: n + 1,
                advice: "memory grows as N², so raise --dt or lower --tmax (or use --solver long)")
        case .long:
            return longSolver(tmax: settings.tmax, flag: "--solver long")
        case .ratio:
            // Its history grows by one row of nodes per step; the solver checks it before each step.
            return Budget(
                what: "--solver ratio to --tmax \(Check.format(settings.tmax))", steps: 1, rows: 1, atLeast: true,
                advice: "lower --tmax")
        }
    }

    /// The long-time solver to `tmax`: its coarse steps are at most `maxStep`, so its fine
    /// pass has at least `tmax/maxStep·2 + 1` points, each a row of six two-time arrays.
    static func longSolver(tmax: Double, flag: String) -> Budget {
        let maxStep = LongTimeSolver(duration: 1).maxStep
        let coarse = 2 * (tmax / (2 * maxStep)).rounded(.up) + 1, fine = 2 * coarse - 1
        return Budget(
            what: "\(flag) to --tmax \(Check.format(tmax)) (≥ \(Check.estimate(fine)) grid points)", steps: 3 * coarse,
            memoryBytes: 6 * 8 * fine * fine, rows: coarse, atLeast: true,
            advice: "memory grows at least as tmax², so lower --tmax")
    }

    /// SGD on the network: `runs` realisations, as many at once as there are cores.
    static func network(_ sim: NetworkSimulator, problem: TrainingProblem, runs: Int) -> Budget {
        let perRun = sim.duration / sim.stepTime(problem)
        return Budget(
            what: "--model network with --lr \(Check.format(sim.learningRate)) to --tmax \(Check.format(sim.duration)) "
                + "(\(Check.estimate(perRun.rounded())) SGD steps per run, n = \(sim.sampleCount(problem)) samples)",
            steps: perRun * Double(runs), memoryBytes: sim.memoryPerRealisation(problem) * workers(runs),
            rows: rows(sim, problem: problem), columns: 19, advice: "one step advances time by lr·d/n: raise --lr, or lower --tmax, --runs, --dim or --width",
            outputAdvice: sim.recordsPerDecade > 0 ? "lower --record-log" : "raise --record-every")
    }

    /// Rows of a network run: counted on a logarithmic grid (a few per decade), estimated on a
    /// linear one (which may be refused for having too many).
    private static func rows(_ sim: NetworkSimulator, problem: TrainingProblem) -> Double {
        guard sim.recordsPerDecade > 0 else { return (sim.duration / sim.recordInterval).rounded(.up) + 2 }
        return Double(sim.recordSchedule.steps(duration: sim.duration, timePerStep: sim.stepTime(problem)).count)
    }

    /// GD on the Gaussian-process model: `runs` realisations, as many at once as there are cores.
    static func gaussian(_ sim: GaussianModelSimulator, problem: TrainingProblem, runs: Int) -> Budget {
        Budget(
            what: "--model gaussian with --lr \(Check.format(sim.step)) to --tmax \(Check.format(sim.duration)) "
                + "(d = \(sim.dimension), n = \(sim.sampleCount(problem)) samples)",
            steps: (sim.duration / sim.step).rounded() * Double(runs),
            memoryBytes: Double(sim.memoryPerRealisation(problem)) * workers(runs),
            rows: (sim.duration / sim.recordInterval).rounded(.up) + 2, columns: 19,
            advice: "its tensors take 8·n·Σ_k d^k bytes: lower --dim or the degree of h, or lower --tmax or raise --lr",
            outputAdvice: "raise --record-every")
    }

    /// Realisations run at once.
    private static func workers(_ runs: Int) -> Double {
        Double(min(runs, max(1, ProcessInfo.processInfo.activeProcessorCount)))
    }
}
