import CNumerics
import Foundation

@testable import DMFT

/// `2·u(η/2) − u(η)` from the uniform solver at the coarse grid times: second order in η
/// and independent of every other solver, the reference the tests compare against.
func extrapolatedUniform(_ p: TrainingProblem, step: Double, duration: Double) throws -> Trajectory {
    let coarse = try UniformEulerSolver(step: step, duration: duration).solve(p).trajectory
    let fine = try UniformEulerSolver(step: step / 2, duration: duration).solve(p).trajectory
    var result = Trajectory(observables: Observable.dmftColumns)
    for (k, t) in coarse.time.enumerated() {
        result.append(result.names.map { $0 == "t" ? t : 2 * fine.value($0, at: t)! - coarse[$0]![k] })
    }
    return result
}

/// The results and first error of `parallelRealisations`, filled under its lock.
private final class RealisationResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var results: [T?]
    var error: (any Error)?
    init(_ n: Int) { results = Array(repeating: nil, count: n) }
}

/// `body(r)` for r in `0..<runs`, in parallel (OpenBLAS on one thread each while they run),
/// results in the order of r; the first error thrown is rethrown.
func parallelRealisations<T>(_ runs: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let box = RealisationResults<T>(runs)
    let threads = openblas_get_num_threads()
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(threads) }
    DispatchQueue.concurrentPerform(iterations: runs) { r in
        do {
            let value = try body(r)
            box.lock.withLock { box.results[r] = value }
        } catch {
            box.lock.withLock { if box.error == nil { box.error = error } }
        }
    }
    if let e = box.error { throw e }
    return box.results.map { $0! }
}
