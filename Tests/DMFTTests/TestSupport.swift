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
