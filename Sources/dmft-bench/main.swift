import CNumerics
import DMFT
import Foundation

// Benchmarks of `performance.md`. Every timing is best-of-N with a baseline measured in
// the same run. Usage: dmft-bench b1 [--repeat N] [--threads T] [--steps N]

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

    init(_ args: [String]) throws {
        var rest = args[...]
        if let first = rest.first, !first.hasPrefix("--") { benchmark = first; rest = rest.dropFirst() }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw DMFTError.invalidInput("\(flag) needs a value") }
            switch flag {
            case "--repeat": repeats = Int(value) ?? 0
            case "--threads": threads = value.split(separator: ",").compactMap { Int($0) }
            case "--steps": steps = Int(value) ?? 0
            default: throw DMFTError.invalidInput("unknown flag \(flag)")
            }
        }
        guard repeats >= 1, steps >= 10, !threads.isEmpty else {
            throw DMFTError.invalidInput("--repeat ≥ 1, --steps ≥ 10, --threads a list like 1,2")
        }
    }
}

/// dgemv (n×n, row-major, no transpose) rate in GFLOP/s, best of `repeats` × 20 calls.
func measuredDgemvRate(n: Int, repeats: Int) -> Double {
    let a = (0..<(n * n)).map { _ in Double.random(in: -1...1) }
    let x = (0..<n).map { _ in Double.random(in: -1...1) }
    var y = [Double](repeating: 0, count: n)
    let calls = 20
    let t = bestTime(repeats) {
        for _ in 0..<calls {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(n), 1, a, Int32(n), x, 1, 0, &y, 1)
        }
    }
    return Double(calls) * 2 * Double(n * n) / t / 1e9
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
        let gemv = measuredDgemvRate(n: n, repeats: args.repeats)
        let rate = flops / wall / 1e9
        print(String(format: "%7d  %7.3f  %7.2f  %20.2f  %10.2f", threads, wall, rate, gemv, rate > 0 ? gemv / rate : 0))
        if let t = last { print("         (e_test(T) = \(t[.testError]!.last!), a(T) = \(t[.secondLayer]!.last!))") }
    }
}

do {
    let args = try Arguments(Array(CommandLine.arguments.dropFirst()))
    print("OpenBLAS: \(String(cString: openblas_get_config()))")
    switch args.benchmark {
    case "b1": try benchmarkB1(args)
    default: throw DMFTError.invalidInput("unknown benchmark '\(args.benchmark)' (available: b1)")
    }
} catch {
    FileHandle.standardError.write(Data("dmft-bench: \(error)\n".utf8))
    exit(1)
}
