import CNumerics
import Foundation

/// The m → ∞ mean-field ODE of the symmetric-initialisation dynamics at fixed α
/// (`model-and-dmft.md` §4, single index or pure noise):
/// `dv/dt = α a (1 − v²)(φ̂'(v) − a h'(v²) v)`, `da/dt = α (φ̂(v) − a h(v²))`, with
/// `e_tr = e_ts = ½[τ² + ‖φ‖² − 2aφ̂(v) + a² h(v²)]`. Integrated by GSL's adaptive
/// Runge–Kutta–Prince–Dormand (8,9) to the relative/absolute `tolerance`. The initialisation's
/// `a(0)` is taken at face value (mean-field scaling, `a₀ = O(1)`).
public struct MeanFieldODE: Sendable {
    /// Final time.
    public var duration: Double
    /// Time between output rows.
    public var outputInterval: Double
    /// Local error tolerance (relative and absolute).
    public var tolerance: Double = 1e-10

    public init(duration: Double, outputInterval: Double) {
        self.duration = duration
        self.outputInterval = outputInterval
    }

    /// The trajectory with columns t, e_train, e_test, a, v (`a` frozen when the problem
    /// freezes the second layer).
    public func solve(_ problem: TrainingProblem) throws -> Trajectory {
        try problem.validate()
        guard duration.isFinite, duration > 0 else { throw DMFTError.invalidInput("duration must be positive") }
        guard outputInterval.isFinite, outputInterval > 0 else {
            throw DMFTError.invalidInput("output interval must be positive")
        }
        guard tolerance.isFinite, tolerance > 0, tolerance < 1 else {
            throw DMFTError.invalidInput("tolerance must be in (0, 1)")
        }
        final class Context {
            let problem: TrainingProblem
            init(_ p: TrainingProblem) { problem = p }
        }
        let context = Unmanaged.passRetained(Context(problem))
        defer { context.release() }
        var system = gsl_odeiv2_system(
            function: { _, y, dydt, params in
                let p = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue().problem
                let (a, v) = (y![0], y![1])
                let cov = p.covariance, h = cov.h
                dydt![0] = p.trainSecondLayer ? p.alpha * (cov.phiHat(v) - a * h(v * v)) : 0
                dydt![1] = p.alpha * a * (1 - v * v) * (cov.phiHatDerivative(v) - a * h.derivative(v * v) * v)
                return Int32(GSL_SUCCESS)
            },
            jacobian: nil, dimension: 2, params: context.toOpaque())
        guard let driver = gsl_odeiv2_driver_alloc_y_new(
            &system, dmft_ode_rk8pd(), min(outputInterval, 1e-3), tolerance, tolerance)
        else { throw DMFTError.invalidInput("GSL could not allocate an ODE driver") }
        defer { gsl_odeiv2_driver_free(driver) }

        var trajectory = Trajectory(observables: [.time, .trainError, .testError, .secondLayer, .overlap])
        var y = [problem.initialSecondLayer, 0.0]
        var t = 0.0
        let rows = Int((duration / outputInterval).rounded(.up))
        for k in 0...rows {
            let target = min(Double(k) * outputInterval, duration)
            if target > t {
                let status = gsl_odeiv2_driver_apply(driver, &t, target, &y)
                guard status == GSL_SUCCESS, y.allSatisfy(\.isFinite) else {
                    throw DMFTError.diverged("mean-field ODE failed at t = \(fmt(t)) (GSL status \(status))")
                }
            }
            let (a, v) = (y[0], y[1])
            let cov = problem.covariance
            let e = 0.5 * (problem.noise * problem.noise + cov.phiNorm2 - 2 * a * cov.phiHat(v) + a * a * cov.h(v * v))
            trajectory.append([target, e, e, a, v])
            if target >= duration { break }
        }
        return trajectory
    }
}
