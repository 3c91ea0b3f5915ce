import CNumerics
import DMFT
import Foundation

// Benchmarks of the README's benchmark table. Every timing is best-of-N with a baseline measured in
// the same run. Usage: dmft-bench b1|b3|b4 [--repeat N] [--threads 1,2] [--steps N]
//        dmft-bench b2 [--width M] [--tmax T] [--tolerance TOL] [--short T] [--reference-tolerance TOL]

/// Best wall time of `repeats` calls of `body`, in seconds.
func bestTime(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

struct Arguments {
    var benchmark = "b1"
    var repeats = 3
    var threads: [Int] = [1, 2]
    var steps = 2000
    // B2
    var width = 100
    var tmax: Double? = nil
    var tolerance = 1e-3
    var shortHorizon = 100.0
    var referenceTolerance: Double? = nil

    /// The flags each benchmark reads; any other is refused rather than ignored.
    static let flags: [String: Set<String>] = [
        "b1": ["--repeat", "--threads", "--steps"],
        "b2": ["--repeat", "--width", "--tmax", "--tolerance", "--short", "--reference-tolerance"],
        "b3": ["--repeat", "--threads", "--steps"],
        "b4": ["--repeat", "--threads", "--steps"],
    ]

    init(_ args: [String]) throws {
        var rest = args[...]
        if let first = rest.first, !first.hasPrefix("--") { benchmark = first; rest = rest.dropFirst() }
        guard let known = Self.flags[benchmark] else {
            throw DMFTError.invalidInput("unknown benchmark '\(benchmark)' (available: b1, b2, b3, b4)")
        }
        while let flag = rest.popFirst() {
            guard known.contains(flag) else {
                let owners = Self.flags.filter { $0.value.contains(flag) }.keys.sorted()
                throw DMFTError.invalidInput(
                    owners.isEmpty ? "unknown flag \(flag)" : "\(flag) does not apply to \(benchmark) (only to \(owners.joined(separator: ", ")))")
            }
            guard let value = rest.popFirst() else { throw DMFTError.invalidInput("\(flag) needs a value") }
            switch flag {
            case "--repeat": repeats = try Self.integer(value, flag, 1...100)
            case "--threads":
                threads = try value.split(separator: ",", omittingEmptySubsequences: false).map {
                    try Self.integer(String($0), flag, 1...256)
                }
            case "--steps": steps = try Self.integer(value, flag, 10...(benchmark == "b1" ? 12_000 : 1_000_000))
            case "--width": width = try Self.integer(value, flag, 2...10_000)
            case "--tmax": tmax = try Self.number(value, flag, 1e6)
            case "--tolerance": tolerance = try Self.number(value, flag, 1)
            case "--short": shortHorizon = try Self.number(value, flag, 1e4)
            default: referenceTolerance = try Self.number(value, flag, 1)
            }
        }
    }

    /// An integer flag value in `range`.
    static func integer(_ text: String, _ flag: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw DMFTError.invalidInput("\(flag) must be an integer in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// A positive, finite number below `limit`.
    static func number(_ text: String, _ flag: String, _ limit: Double) throws -> Double {
        guard let value = Double(text), value.isFinite, value > 0, value < limit else {
            throw DMFTError.invalidInput("\(flag) must be a number in (0, \(limit)), got '\(text)'")
        }
        return value
    }
}

/// Seconds per dgemv call (rows × columns, row-major, no transpose), best of `repeats` × 20 calls.
func measuredDgemvTime(rows: Int, columns: Int, repeats: Int) -> Double {
    let a = (0..<(rows * columns)).map { _ in Double.random(in: -1...1) }
    let x = (0..<columns).map { _ in Double.random(in: -1...1) }
    var y = [Double](repeating: 0, count: rows)
    let calls = 20
    return bestTime(repeats) {
        for _ in 0..<calls {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(columns), x, 1, 0, &y, 1)
        }
    } / Double(calls)
}

/// B1: SymmDMFT uniform Euler, single index, mean-field init, h = φ̂ = 0.9q + q³/6,
/// α = 0.3, τ = 0.6, a₀ = 1, m = 50, η = 0.05, N = 2000 steps.
func benchmarkB1(_ args: Arguments) throws {
    let h = [0.9, 0, 1.0 / 6]
    let problem = try TrainingProblem(
        width: 50, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: h, phiHat: h),
        initialization: .meanField(a0: 1))
    let eta = 0.05
    let n = args.steps
    let solver = UniformEulerSolver(step: eta, duration: eta * Double(n))
    // O(N³) part: per step k with K = k+1 entries, BLAS does ≈ 20 K² flops
    // (trmv K², gemv 2K², trmv K², two 2-row gemm 8K², four 2-row trmm 8K²).
    var flops = 0.0
    for k in 0...n { flops += 20 * Double((k + 1) * (k + 1)) }
    print("B1  SymmDMFT uniform Euler, m = 50, η = 0.05, N = \(n) steps, best of \(args.repeats)")
    print("threads  wall[s]  GFLOP/s  dgemv(n=\(n))GFLOP/s  wall/(flops at dgemv rate)")
    for threads in args.threads {
        openblas_set_num_threads(Int32(threads))
        var last: Trajectory? = nil
        let wall = try bestTime(args.repeats) { last = try solver.solve(problem).trajectory }
        let gemv = 2 * Double(n * n) / measuredDgemvTime(rows: n, columns: n, repeats: args.repeats) / 1e9
        let rate = flops / wall / 1e9
        print(String(format: "%7d  %7.3f  %7.2f  %20.2f  %10.2f", threads, wall, rate, gemv, rate > 0 ? gemv / rate : 0))
        if let t = last { print("         (e_test(T) = \(t[.testError]!.last!), a(T) = \(t[.secondLayer]!.last!))") }
    }
}

/// Peak resident memory of this process so far, in bytes.
func peakResidentBytes() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) * 1024
}

/// max over the rows of `a` and the headline observables of |a − reference| (reference
/// interpolated at a's times).
func maxDeviation(_ a: Trajectory, from reference: Trajectory) -> Double {
    LongTimeSolution.headline.map { column in
        zip(a.time, a[column]!).map { abs($1 - reference.value(column, at: $0)!) }.max()!
    }.max()!
}

/// B2: the B1 physics (single index, mean-field init, h = φ̂ = 0.9q + q³/6, α = 0.3,
/// τ = 0.6, a₀ = 1) at width m to t = 20m with the long-time solver: wall time, peak
/// memory, estimated error and, with `--reference-tolerance`, the error against a tighter
/// run. Then, on a horizon short enough for the uniform solver, both solvers against the
/// uniform solver extrapolated in η (η = 0.05, 0.025), timed in the same run.
func benchmarkB2(_ args: Arguments) throws {
    let h = [0.9, 0, 1.0 / 6]
    let problem = try TrainingProblem(
        width: args.width, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: h, phiHat: h),
        initialization: .meanField(a0: 1))
    let tmax = args.tmax ?? 20 * Double(args.width)
    print("B2  long-time solver, m = \(args.width), t ≤ \(tmax), tolerance \(args.tolerance), threads: OpenBLAS default")
    var control = RunControl()
    let started = Date()
    control.progress = { @Sendable fraction in
        let line = String(format: "\r  %5.1f%%  %6.0f s", 100 * fraction, Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data(line.utf8))
    }
    do {
        var solution: LongTimeSolution? = nil
        let wall = try bestTime(1) {
            solution = try LongTimeSolver(duration: tmax, tolerance: args.tolerance).solve(problem, control: control)
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let long = solution!
        print(String(format: "  wall %.1f s   peak memory %.2f GB   coarse points %d   estimated error %.2e",
                     wall, peakResidentBytes() / 1e9, long.coarsePoints, long.maxError))
        let end = long.trajectory.count - 1
        print("  at t = \(tmax): a = \(long.trajectory[.secondLayer]![end]), v = \(long.trajectory[.overlap]![end]), "
              + "e_train = \(long.trajectory[.trainError]![end]), e_test = \(long.trajectory[.testError]![end])")
        if let referenceTolerance = args.referenceTolerance {
            let referenceWall = Date()
            let reference = try LongTimeSolver(duration: tmax, tolerance: referenceTolerance).solve(problem, control: control)
            FileHandle.standardError.write(Data("\n".utf8))
            print(String(format: "  error against tolerance %.0e (%.0f s, estimated %.1e): %.2e", referenceTolerance,
                         Date().timeIntervalSince(referenceWall), reference.maxError,
                         maxDeviation(long.trajectory, from: reference.trajectory)))
        }
    } catch let error as DMFTError {
        FileHandle.standardError.write(Data("\n".utf8))
        print(String(format: "  stopped after %.1f s (peak memory %.2f GB): ", Date().timeIntervalSince(started),
                     peakResidentBytes() / 1e9) + "\(error)")
    }

    let short = args.shortHorizon
    print("B2 baseline on t ≤ \(short), best of \(args.repeats): reference = uniform Euler extrapolated from η = 0.05, 0.025")
    var coarse: Trajectory? = nil, fine: Trajectory? = nil, shortLong: LongTimeSolution? = nil
    let uniformWall = try bestTime(args.repeats) { coarse = try UniformEulerSolver(step: 0.05, duration: short).solve(problem).trajectory }
    fine = try UniformEulerSolver(step: 0.025, duration: short).solve(problem).trajectory
    let longWall = try bestTime(args.repeats) { shortLong = try LongTimeSolver(duration: short, tolerance: args.tolerance).solve(problem) }
    var reference = Trajectory(observables: Observable.dmftColumns)
    for (k, t) in coarse!.time.enumerated() {
        reference.append(reference.names.map { $0 == "t" ? t : 2 * fine!.value($0, at: t)! - coarse![$0]![k] })
    }
    print("  solver                      wall[s]  max error (e_train, e_test, a, v)")
    print(String(format: "  uniform Euler η = 0.05      %7.2f  %.2e", uniformWall, maxDeviation(coarse!, from: reference)))
    print(String(format: "  long-time, tolerance %.0e  %7.2f  %.2e (estimated %.2e)", args.tolerance, longWall,
                 maxDeviation(shortLong!.trajectory, from: reference), shortLong!.maxError))
    print(String(format: "  wall ratio uniform/long: %.1f", uniformWall / longWall))
}

/// dgemm rate (row-major, C = A·B with A: M×K, B: K×N) in GFLOP/s, best of `repeats`.
func measuredDgemmRate(m: Int, k: Int, n: Int, repeats: Int) -> Double {
    let a = (0..<(m * k)).map { _ in Double.random(in: -1...1) }
    let b = (0..<(k * n)).map { _ in Double.random(in: -1...1) }
    var c = [Double](repeating: 0, count: m * n)
    let calls = max(1, Int(2e9 / Double(2 * m * k * n)))
    let t = bestTime(repeats) {
        for _ in 0..<calls {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b,
                        Int32(n), 0, &c, Int32(n))
        }
    }
    return Double(calls) * 2 * Double(m * k * n) / t / 1e9
}

/// B3: SGD on a real network, d = 200, m = 100, α = 0.3 (n = 6000), batch 100,
/// σ = √0.9 He₁ + He₃/6. Steps/s and GFLOP/s against dgemm at the step's shapes, and the cost
/// of one recorded row. The whole `dmft simulate` command against numpy: scripts/bench/b3.sh.
func benchmarkB3(_ args: Arguments) throws {
    let h = [0.9, 0, 1.0 / 6]
    let problem = try TrainingProblem(
        width: 100, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: h, phiHat: h),
        initialization: .meanField(a0: 1))
    let sim = NetworkSimulator(dimension: 200, learningRate: 0.1, batchSize: 100, duration: 1, recordInterval: 1)
    let flops = sim.flopsPerStep(problem)
    print("B3  network SGD, d = 200, m = 100, n = \(sim.sampleCount(problem)), batch 100, best of \(args.repeats)")
    print("threads  steps/s  GFLOP/s  dgemm(100×200·200×100)  dgemm(6000×200·200×100)  step/dgemm-rate")
    for threads in args.threads {
        openblas_set_num_threads(Int32(threads))
        var best = 0.0
        for _ in 0..<args.repeats { best = max(best, try sim.measureStepsPerSecond(problem, steps: 4 * args.steps)) }
        let small = measuredDgemmRate(m: 100, k: 200, n: 100, repeats: args.repeats)
        let large = measuredDgemmRate(m: 6000, k: 200, n: 100, repeats: args.repeats)
        let rate = best * flops / 1e9
        print(String(format: "%7d  %7.0f  %7.2f  %22.2f  %23.2f  %14.2f", threads, best, rate, small, large, rate / small))
        let record = try sim.measureRecordSeconds(problem, records: 10 * args.repeats)
        print(String(format: "         one recorded row (e_train over n, observables): %.2f ms = %.1f steps", 1000 * record,
                     record * best))
    }
}

/// B4: GD on the Gaussian-process model, d = 100, n = 150, m = 4, h = 0.1q + 0.5q².
/// Steps/s against one streaming pass over the same tensor memory (dgemv-rate floor).
func benchmarkB4(_ args: Arguments) throws {
    let problem = try TrainingProblem(
        width: 4, alpha: 1.5 / 4, noise: 1, covariance: CovarianceModel(h: [0.1, 0.5]),
        initialization: .meanField(a0: 1))
    let sim = GaussianModelSimulator(dimension: 100, step: 0.02, duration: 1, recordInterval: 1, seed: 1)
    let bytes = sim.memoryPerRealisation(problem)
    print("B4  Gaussian-model GD, d = 100, n = \(sim.sampleCount(problem)), m = 4, \(bytes / 1_000_000) MB, best of \(args.repeats)")
    print("threads  steps/s  ms/step  one dgemv pass over the tensors [ms]  ratio")
    for threads in args.threads {
        openblas_set_num_threads(Int32(threads))
        var best = 0.0
        for _ in 0..<args.repeats { best = max(best, try sim.measureStepRate(problem, steps: args.steps)) }
        // The degree-2 tensors, n·d² doubles, read as one (n·d) × d matrix–vector product.
        let pass = measuredDgemvTime(rows: sim.sampleCount(problem) * 100, columns: 100, repeats: args.repeats)
        print(String(format: "%7d  %7.0f  %7.3f  %36.3f  %5.2f", threads, best, 1000 / best, pass * 1000, 1 / best / pass))
    }
}

do {
    let args = try Arguments(Array(CommandLine.arguments.dropFirst()))
    print("OpenBLAS: \(String(cString: openblas_get_config()))")
    switch args.benchmark {
    case "b1": try benchmarkB1(args)
    case "b2": try benchmarkB2(args)
    case "b3": try benchmarkB3(args)
    default: try benchmarkB4(args)
    }
} catch {
    FileHandle.standardError.write(Data("dmft-bench: \(error)\n".utf8))
    exit(1)
}
