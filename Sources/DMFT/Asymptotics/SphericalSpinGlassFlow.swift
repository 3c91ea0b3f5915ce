import Foundation

/// Zero-temperature gradient flow `σ̇ = −∇_sphere H(σ)` on the spherical mixed p-spin model
/// (`‖σ‖² = N`, `E[H(σ)H(σ')] = N ξ(σ·σ'/N)`) from a uniformly random start, through the
/// Cugliandolo–Kurchan equations for `C(θ,θ') = σ(θ)·σ(θ')/N` and the response
/// `R(θ,θ') = δσ(θ)/δh(θ')`, for `θ ≥ θ'`:
///
///     ∂_θ C(θ,θ') = −μ(θ) C(θ,θ') + ∫_0^θ ξ''(C(θ,s)) R(θ,s) C(s,θ') ds + ∫_0^θ' ξ'(C(θ,s)) R(θ',s) ds
///     ∂_θ R(θ,θ') = −μ(θ) R(θ,θ') + δ(θ−θ') + ∫_θ'^θ ξ''(C(θ,s)) R(θ,s) R(s,θ') ds
///     μ(θ)        = ∫_0^θ [ξ''(C(θ,s)) C(θ,s) + ξ'(C(θ,s))] R(θ,s) ds          (C(θ,θ) = 1)
///     e(θ)        = E H(σ(θ))/N = −∫_0^θ ξ'(C(θ,s)) R(θ,s) ds
///
/// `μ = −σ·∇H/N` is the Lagrange multiplier of the sphere; for a pure `k`-spin (`H`
/// homogeneous of degree `k`) it equals `−k e`.
///
/// Scheme (the first-order scheme of `UniformEulerSolver`): uniform grid `θ_i = iη`, forward
/// Euler in the first time, left-rectangle sums `η Σ_{s<i}` for the memory integrals,
/// `R(θ_i,θ_i) = 0` stored and `R(θ_{i+1},θ_i) = 1` (the discrete δ), `C(θ_i,θ_i) = 1`.
/// Error O(η): use `solveExtrapolated()` (Richardson in η) or extrapolate yourself.
/// Memory: two `(N+1)²` arrays of doubles (N = 2000: 64 MB), of which the lower triangles
/// are used; work O(N³), one fused SIMD pass over each stored triangle per step
/// (single-threaded). Explicit Euler needs `η μ ≲ 2`; μ grows from 0 to `−k E_th` for a
/// pure k-spin (≈ 3.46 for ξ = q³/2), so η ≤ 0.1 is comfortably stable there.
public struct SphericalSpinGlassFlow: Sendable {
    /// The covariance function ξ (non-negative coefficients, ξ(0) = 0).
    public var xi: PowerSeries
    /// Requested time step η; the step used is `gridStep` (≤ this), so that the grid ends at `duration`.
    public var step: Double
    /// Final time Θ; the grid is `θ_i = i·gridStep`, `i = 0…N`, `N = ⌈Θ/η⌉`.
    public var duration: Double
    /// Refuse runs whose two-time arrays would need more than this (default 4 GB).
    public var memoryLimitBytes: Int = 4_000_000_000

    public init(xi: PowerSeries, step: Double, duration: Double) {
        self.xi = xi
        self.step = step
        self.duration = duration
    }

    /// The large-time energy of gradient flow for a pure k-spin, `ξ = c² q^k` (k ≥ 2): the
    /// threshold energy `E_th = −2c √((k−1)/k)` (k = 2: the ground state `−√2 c`).
    public static func thresholdEnergy(c: Double, k: Int) -> Double {
        precondition(k >= 2, "the threshold energy is defined for k ≥ 2")
        return -2 * c * (Double(k - 1) / Double(k)).squareRoot()
    }

    /// Number of steps `N = ⌈Θ/η⌉` (capped at 10⁹ for absurd inputs, which `solve` refuses).
    public var stepCount: Int {
        min(boundedCount(duration / step * (1 - 1e-12), .up), 1_000_000_000)
    }

    /// The step actually used, `Θ/N`.
    public var gridStep: Double { duration / Double(max(stepCount, 1)) }

    /// Bytes of two-time storage a run needs (two `(N+1)²` arrays of doubles).
    public var memoryNeeded: Double { 2 * Double(stepCount + 1) * Double(stepCount + 1) * 8 }

    /// The solution on the grid.
    public struct Solution: Sendable {
        /// The step η of the grid.
        public let step: Double
        /// Grid times `θ_i = iη`, `i = 0…N`.
        public let times: [Double]
        /// Energy per spin `e(θ_i)`.
        public let energy: [Double]
        /// Lagrange multiplier `μ(θ_i)`.
        public let lagrangeMultiplier: [Double]
        // Row = later time, lower triangles only; R(θ_i, θ_i) = 0.
        let c: TwoTimeArray
        let r: TwoTimeArray

        /// `C(θ_i, θ_j)` (symmetric).
        public func correlation(_ i: Int, _ j: Int) -> Double {
            precondition(times.indices.contains(i) && times.indices.contains(j), "grid index out of range")
            return i >= j ? c[i, j] : c[j, i]
        }

        /// `R(θ_i, θ_j)`, zero for `j ≥ i` (causality; `R(θ_{j+1}, θ_j) = 1` carries the δ).
        public func response(_ i: Int, _ j: Int) -> Double {
            precondition(times.indices.contains(i) && times.indices.contains(j), "grid index out of range")
            return j < i ? r[i, j] : 0
        }
    }

    /// One-time functions extrapolated in η from runs at `gridStep` and `gridStep/2`:
    /// `f = 2 f_{η/2} − f_η` on the coarse grid, error O(η²).
    public struct Extrapolated: Sendable {
        /// The coarse step η.
        public let step: Double
        /// The coarse grid `θ_i = iη`.
        public let times: [Double]
        /// Extrapolated energy `2 e_{η/2}(θ_i) − e_η(θ_i)`.
        public let energy: [Double]
        /// Extrapolated Lagrange multiplier.
        public let lagrangeMultiplier: [Double]
        /// Extrapolated correlation with the start, `C(θ_i, 0)`.
        public let correlationToStart: [Double]
        /// The energies at step η and η/2 on the coarse grid (their difference estimates the error).
        public let coarseEnergy: [Double]
        public let fineEnergy: [Double]
    }

    /// Integrates the CK equations on `[0, Θ]`.
    /// - Throws: `DMFTError.invalidInput` for bad settings, `.diverged` on non-finite values,
    ///   `.cancelled` when `control` asks.
    public func solve(control: RunControl = RunControl()) throws -> Solution {
        try validate()
        return try integrate(steps: stepCount, eta: gridStep, control: control)
    }

    /// Runs at `gridStep` and `gridStep/2` and Richardson-extrapolates `e` and `μ` (O(η²)).
    /// Needs the memory of the fine run (4× that of `solve`) and about 9× its time.
    public func solveExtrapolated(control: RunControl = RunControl()) throws -> Extrapolated {
        try validate()
        let n = stepCount, eta = gridStep
        var fineConfig = self
        fineConfig.step = eta / 2
        guard fineConfig.memoryNeeded <= Double(memoryLimitBytes) else {
            throw DMFTError.invalidInput(
                "the half-step run (N = \(2 * n)) needs \(Int(fineConfig.memoryNeeded / 1e6)) MB of two-time storage "
                    + "(limit \(memoryLimitBytes / 1_000_000) MB); increase the step or shorten the duration")
        }
        let coarseControl = RunControl(progress: control.progress.map { p in { @Sendable f in p(f / 9) } },
                                       isCancelled: control.isCancelled)
        let fineControl = RunControl(progress: control.progress.map { p in { @Sendable f in p((1 + 8 * f) / 9) } },
                                     isCancelled: control.isCancelled)
        let coarse = try integrate(steps: n, eta: eta, control: coarseControl)
        let fine = try integrate(steps: 2 * n, eta: eta / 2, control: fineControl)
        let fineE = (0...n).map { fine.energy[2 * $0] }
        let fineMu = (0...n).map { fine.lagrangeMultiplier[2 * $0] }
        return Extrapolated(
            step: eta, times: coarse.times,
            energy: zip(fineE, coarse.energy).map { 2 * $0 - $1 },
            lagrangeMultiplier: zip(fineMu, coarse.lagrangeMultiplier).map { 2 * $0 - $1 },
            correlationToStart: (0...n).map { 2 * fine.correlation(2 * $0, 0) - coarse.correlation($0, 0) },
            coarseEnergy: coarse.energy, fineEnergy: fineE)
    }

    /// Refuses settings that do not describe a valid run.
    public func validate() throws {
        let cs = xi.coefficients
        guard cs.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw DMFTError.invalidInput("ξ must have finite non-negative coefficients, got \(cs)")
        }
        guard cs[0] == 0 else { throw DMFTError.invalidInput("ξ(0) must be 0, got \(cs[0])") }
        guard xi.derivative(1) > 0 else {
            throw DMFTError.invalidInput("ξ'(1) must be positive (a non-constant Hamiltonian), got \(xi.derivative(1))")
        }
        guard step.isFinite && step > 0 else { throw DMFTError.invalidInput("time step must be positive, got \(step)") }
        guard duration.isFinite && duration > step else {
            throw DMFTError.invalidInput("duration must be finite and longer than one step \(step), got \(duration)")
        }
        guard memoryNeeded <= Double(memoryLimitBytes) else {
            throw DMFTError.invalidInput(
                "N = \(stepCount) steps need \(Int(memoryNeeded / 1e6)) MB of two-time storage (limit "
                    + "\(memoryLimitBytes / 1_000_000) MB); increase the step or shorten the duration")
        }
    }

    private func integrate(steps nSteps: Int, eta: Double, control: RunControl) throws -> Solution {
        let n = nSteps + 1
        let c = try TwoTimeArray(size: n), r = try TwoTimeArray(size: n)
        c[0, 0] = 1
        // Row buffers: a_s = η ξ''(C_ks) R_ks, b_s = η ξ'(C_ks), and the three memory sums.
        let a = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let b = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let u = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let v = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let w = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { for p in [a, b, u, v, w] { p.deallocate() } }
        var energy = [Double](repeating: 0, count: n), mu = energy
        let times = (0..<n).map { Double($0) * eta }
        let xi = self.xi
        let reportEvery = max(1, nSteps / 100)
        for k in 0...nSteps {
            if let cancelled = control.isCancelled, cancelled() { throw DMFTError.cancelled }
            let cRow = c.row(k), rRow = r.row(k)
            var m = 0.0, e = 0.0
            for s in 0..<k {
                let cks = cRow[s], rks = rRow[s]
                let as_ = eta * xi.secondDerivative(cks) * rks
                let bs = eta * xi.derivative(cks)
                a[s] = as_
                b[s] = bs
                m += as_ * cks + bs * rks
                e -= bs * rks
            }
            a[k] = 0
            b[k] = 0
            mu[k] = m
            energy[k] = e
            guard m.isFinite && e.isFinite else {
                throw DMFTError.diverged(
                    "non-finite values at θ = \(fmt(times[k])); the explicit Euler step η = \(fmt(eta)) "
                        + "must satisfy η·μ ≲ 2 (η·(ξ''(1)+ξ'(1)) = \(fmt(eta * (xi.secondDerivative(1) + xi.derivative(1))))); "
                        + "rerun with a smaller step")
            }
            if k % reportEvery == 0 || k == nSteps { control.progress?(Double(k) / Double(nSteps)) }
            if k == nSteps { break }
            // One pass over the lower triangles of C and R (row s, columns j ≤ s):
            //   u_l = Σ_{s<k} a_s C[s,l]      (∫_0^θ ξ''(C(θ,s)) R(θ,s) C(s,θ') ds; C symmetric)
            //   v_l = Σ_{s<l} b_s R[l,s]      (∫_0^θ' ξ'(C(θ,s)) R(θ',s) ds)
            //   w_l = Σ_{l<s<k} a_s R[s,l]    (∫_θ'^θ ξ''(C(θ,s)) R(θ,s) R(s,θ') ds)
            u.update(repeating: 0, count: k + 1)
            w.update(repeating: 0, count: k + 1)
            for s in 0...k {
                let cs = c.row(s), rs = r.row(s), aS = a[s]
                // C: upper-triangle entries C[j,s] = C[s,j] (j < s) go to u_s, lower ones C[s,j] to u_j.
                u[s] += dotAndAxpy(cs, a, aS, u, s) + aS * cs[s]
                v[s] = dotAndAxpy(rs, b, aS, w, s)
            }
            let cNext = c.row(k + 1), rNext = r.row(k + 1)
            var check = 0.0
            for l in 0...k {
                let cn = cRow[l] + eta * (u[l] + v[l] - m * cRow[l])
                let rn = rRow[l] + eta * (w[l] - m * rRow[l])
                cNext[l] = cn
                rNext[l] = rn
                check += cn + rn
            }
            guard check.isFinite else {
                throw DMFTError.diverged(
                    "non-finite values at θ = \(fmt(times[k + 1])); the explicit Euler step η = \(fmt(eta)) "
                        + "must satisfy η·μ ≲ 2 (here η·μ = \(fmt(eta * m))); rerun with a smaller step")
            }
            rNext[k] += 1  // δ(θ − θ'): R(θ_{k+1}, θ_k) = 1
            cNext[k + 1] = 1
        }
        return Solution(step: eta, times: times, energy: energy, lagrangeMultiplier: mu, c: c, r: r)
    }
}

/// `Σ_{j<n} row[j] x[j]`, and `y[j] += alpha · row[j]` for `j < n`, in one pass over `row`
/// (the O(k²) work of a step is two such passes over the stored triangles; SIMD, no BLAS).
@inline(__always)
private func dotAndAxpy(
    _ row: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ alpha: Double,
    _ y: UnsafeMutablePointer<Double>, _ n: Int
) -> Double {
    typealias V = SIMD4<Double>
    let rowBytes = UnsafeRawPointer(row), xBytes = UnsafeRawPointer(x), yBytes = UnsafeMutableRawPointer(y)
    let scale = V(repeating: alpha)
    var acc0 = V(), acc1 = V()
    var j = 0
    while j + 8 <= n {
        let o = j * 8
        let r0 = rowBytes.loadUnaligned(fromByteOffset: o, as: V.self)
        let r1 = rowBytes.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        acc0 += r0 * xBytes.loadUnaligned(fromByteOffset: o, as: V.self)
        acc1 += r1 * xBytes.loadUnaligned(fromByteOffset: o + 32, as: V.self)
        yBytes.storeBytes(of: yBytes.loadUnaligned(fromByteOffset: o, as: V.self) + scale * r0, toByteOffset: o, as: V.self)
        yBytes.storeBytes(
            of: yBytes.loadUnaligned(fromByteOffset: o + 32, as: V.self) + scale * r1, toByteOffset: o + 32, as: V.self)
        j += 8
    }
    var dot = (acc0 + acc1).sum()
    while j < n {
        dot += row[j] * x[j]
        y[j] += alpha * row[j]
        j += 1
    }
    return dot
}
