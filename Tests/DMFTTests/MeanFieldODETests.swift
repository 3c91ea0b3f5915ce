import XCTest

@testable import DMFT

final class MeanFieldODETests: XCTestCase {
    let paperH = [0.9, 0, 1.0 / 6]

    /// φ̂ = h with h'(0) > 0: (a, v) → (1, 1) and the error → τ²/2, the Bayes error
    /// (arXiv:2502.21269). Near v = 1 the factor (1 − v²) makes the approach
    /// algebraic, 1 − v ∝ 1/t, so doubling t must about halve 1 − v and |a − 1|.
    func testReachesBayesErrorWhenTargetMatchesActivation() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
            initialization: .meanField(a0: 1))
        let traj = try MeanFieldODE(duration: 800, outputInterval: 400).solve(p)
        let v = traj[.overlap]!, a = traj[.secondLayer]!, e = traj[.testError]!
        print("mean-field ODE at t = 400, 800: a =", a[1], a[2], " v =", v[1], v[2], " e =", e[1], e[2])
        XCTAssertEqual((1 - v[1]) / (1 - v[2]), 2, accuracy: 0.2)
        XCTAssertEqual((a[1] - 1) / (a[2] - 1), 2, accuracy: 0.2)
        XCTAssertLessThan(1 - v[2], 5e-3)
        XCTAssertEqual(e[2], 0.18, accuracy: 1e-4)
        XCTAssertEqual(traj[.testError]!.first!, p.initialError - 0.5 * h1OverM(p), accuracy: 1e-12)
    }

    /// At t = 0 the mean-field error lacks the a₀²h(1)/m finite-width term of `initialError`.
    private func h1OverM(_ p: TrainingProblem) -> Double {
        p.initialSecondLayer * p.initialSecondLayer * p.covariance.h(1) / Double(p.width)
    }

    /// Pure noise from v = 0: nothing moves (φ̂ = 0 and h(0) = 0), e = ½τ².
    func testPureNoiseIsAFixedPoint() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 0.4, noise: 0.6, covariance: CovarianceModel(h: paperH), initialization: .meanField(a0: 1))
        let traj = try MeanFieldODE(duration: 5, outputInterval: 1).solve(p)
        XCTAssertEqual(traj.count, 6)
        XCTAssertTrue(traj[.secondLayer]!.allSatisfy { $0 == 1 })
        XCTAssertTrue(traj[.testError]!.allSatisfy { abs($0 - 0.18) < 1e-15 })
    }

    /// The finite-m DMFT approaches it: the gap at m = 40 is below the gap at m = 10
    /// (the 1/m rate itself is tested against an independent RK4 in UniformEulerSolverTests).
    func testDMFTApproachesIt() throws {
        let reference = try MeanFieldODE(duration: 8, outputInterval: 0.1).solve(
            TrainingProblem(width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
                            initialization: .meanField(a0: 1)))
        var gaps: [Double] = []
        for m in [10, 40] {
            let p = try TrainingProblem(
                width: m, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
                initialization: .meanField(a0: 1))
            let dmft = try UniformEulerSolver(step: 0.02, duration: 8).solve(p).trajectory
            var gap = 0.0
            for (i, t) in reference.time.enumerated() {
                gap = max(gap, abs(dmft.value("v", at: t)! - reference[.overlap]![i]))
            }
            gaps.append(gap)
        }
        XCTAssertLessThan(gaps[1], gaps[0] / 2.5, "\(gaps)")
    }

    func testBadSettingsAreRefused() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH), initialization: .meanField(a0: 1))
        XCTAssertThrowsError(try MeanFieldODE(duration: -1, outputInterval: 1).solve(p))
        XCTAssertThrowsError(try MeanFieldODE(duration: 1, outputInterval: 0).solve(p))
    }

    // MARK: k-index targets and neuron types

    private func multiIndex(
        k: Int, _ state: MeanFieldInitialState, trainSecondLayer: Bool = true
    ) throws -> MultiIndexMeanFieldProblem {
        let cov = try CovarianceModel(h: paperH, phiHat: paperH)
        return try MultiIndexMeanFieldProblem(
            alpha: 0.3, noise: 0.6, h: cov.h, target: .additive(cov, indexCount: k), initialState: state,
            trainSecondLayer: trainSecondLayer)
    }

    /// Largest difference between column `x` of `p` and column `y` of `q` (same time grid).
    private func gap(_ p: Trajectory, _ x: String, _ q: Trajectory, _ y: String? = nil) -> Double {
        XCTAssertEqual(p.time, q.time)
        return zip(p[x]!, q[y ?? x]!).map { abs($0 - $1) }.max()!
    }

    /// k = 1, one type: the general K-type field must reproduce the scalar single-index one.
    /// Both runs take the same adaptive steps (their right-hand sides differ only by rounding,
    /// (1 − v²)g against g − v(vg)), so they agree far below the 1e-10 local tolerance;
    /// 1e-12 allows a few roundings per step over ~10³ steps (measured ≤ 1.1e-16).
    func testOneIndexAdditiveTargetReproducesSingleIndexSolver() throws {
        let ode = MeanFieldODE(duration: 8, outputInterval: 0.1)
        let single = try ode.solve(TrainingProblem(
            width: 1, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: paperH, phiHat: paperH),
            initialization: .meanField(a0: 1)))
        let multi = try ode.solve(multiIndex(k: 1, .symmetric(secondLayer: 1)))
        XCTAssertEqual(multi.names, single.names)
        let gaps = single.names.dropFirst().map { gap(single, $0, multi) }
        print("k = 1 multi-index vs single-index, max gaps in", single.names.dropFirst(), ":", gaps)
        XCTAssertLessThan(gaps.max()!, 1e-12)
        XCTAssertGreaterThan(single[.overlap]!.last!, 0.5)  // it does move
    }

    /// K = 3 identical types (π = 0.2, 0.3, 0.5) reproduce the symmetric form with k = 2 and an
    /// off-diagonal v(0): Σ_j π_j a_j h(<v_i,v_j>) = a h(‖v‖²) up to rounding, and GSL's
    /// max-norm step control sees the same components, so agreement is at rounding level
    /// (bound 1e-12 as above; measured 3.3e-16).
    func testIdenticalNeuronTypesReproduceSymmetricForm() throws {
        let ode = MeanFieldODE(duration: 8, outputInterval: 0.1)
        let v0 = [0.1, -0.2]
        let symmetric = try ode.solve(multiIndex(k: 2, .symmetric(secondLayer: 0.7, overlap: v0)))
        let types = try ode.solve(multiIndex(
            k: 2, MeanFieldInitialState(weights: [0.2, 0.3, 0.5], secondLayer: [0.7, 0.7, 0.7], overlaps: [v0, v0, v0])))
        XCTAssertEqual(symmetric.names, ["t", "e_train", "e_test", "a", "v", "a_l1", "a_1", "v_1_1", "v_1_2"])
        var gaps = ["e_test", "a", "v", "a_l1"].map { gap(symmetric, $0, types) }
        for i in 1...3 {
            gaps += [gap(symmetric, "a_1", types, "a_\(i)"), gap(symmetric, "v_1_1", types, "v_\(i)_1"),
                     gap(symmetric, "v_1_2", types, "v_\(i)_2")]
        }
        print("K = 3 identical types vs symmetric, max gap:", gaps.max()!)
        XCTAssertLessThan(gaps.max()!, 1e-12)
        XCTAssertGreaterThan(abs(symmetric["v_1_2"]!.last! - v0[1]), 0.1)  // it does move
    }

    /// k = 2 additive target, v(0) = 0: ∇φ̂(0) ∝ (1, 1) keeps v = (s, s) on the diagonal. Then
    /// ‖v‖² = 2s², (I − vvᵀ)(1, 1) = (1 − 2s²)(1, 1), and the system reduces to
    /// ds/dt = αa(1 − 2s²)(φ̂₁'(s)/√2 − a h'(2s²) s), da/dt = α(√2 φ̂₁(s) − a h(2s²)),
    /// e = ½[τ² + ‖φ₁‖² − 2√2 a φ̂₁(s) + a² h(2s²)], integrated here by RK4 with dt = 1e-3
    /// (global error O(dt⁴) ≲ 1e-12). GSL's 1e-10 local tolerance bounds the rest; bound 1e-8
    /// (measured 3.3e-15). Both components see identical arithmetic, so the diagonal holds exactly.
    func testTwoIndexAdditiveTargetStaysOnDiagonal() throws {
        let traj = try MeanFieldODE(duration: 8, outputInterval: 0.1).solve(multiIndex(k: 2, .symmetric(secondLayer: 1)))
        XCTAssertEqual(gap(traj, "v_1_1", traj, "v_1_2"), 0)
        let h = PowerSeries(fromLinearTerm: paperH), (alpha, tau, r2) = (0.3, 0.6, 2.0.squareRoot())
        func rhs(_ x: (a: Double, s: Double)) -> (a: Double, s: Double) {
            let (a, s) = x
            return (alpha * (r2 * h(s) - a * h(2 * s * s)),
                    alpha * a * (1 - 2 * s * s) * (h.derivative(s) / r2 - a * h.derivative(2 * s * s) * s))
        }
        let dt = 1e-3
        var x = (a: 1.0, s: 0.0), worst = 0.0
        for step in 0...8000 {
            if step % 100 == 0 {
                let row = step / 100
                let e = 0.5 * (tau * tau + h(1) - 2 * r2 * x.a * h(x.s) + x.a * x.a * h(2 * x.s * x.s))
                worst = max(worst, abs(traj["a"]![row] - x.a), abs(traj["v_1_1"]![row] - x.s),
                            abs(traj["v"]![row] - x.s), abs(traj["e_test"]![row] - e))
            }
            let k1 = rhs(x)
            let k2 = rhs((x.a + dt / 2 * k1.a, x.s + dt / 2 * k1.s))
            let k3 = rhs((x.a + dt / 2 * k2.a, x.s + dt / 2 * k2.s))
            let k4 = rhs((x.a + dt * k3.a, x.s + dt * k3.s))
            x.a += dt / 6 * (k1.a + 2 * k2.a + 2 * k3.a + k4.a)
            x.s += dt / 6 * (k1.s + 2 * k2.s + 2 * k3.s + k4.s)
        }
        print("k = 2 diagonal: final a, s =", x.a, x.s, " max gap to RK4 reduction:", worst)
        XCTAssertLessThan(worst, 1e-8)
        XCTAssertGreaterThan(x.s, 0.3)  // it does move
    }

    /// Gradient flow: da_i/dt = −(α/π_i) ∂e/∂a_i and dv_i/dt = −(α/π_i)(I − v_i v_iᵀ) ∂e/∂v_i, so
    /// de/dt = −Σ_i (α/π_i)[(∂e/∂a_i)² + ∂e/∂v_iᵀ (I − v_i v_iᵀ) ∂e/∂v_i] (without the first term
    /// when a is frozen). The gradient of e(a, v), written here from its definition, is taken by
    /// central differences (step 1e-6: error ~1e-10), de/dt along the output by central differences
    /// with spacing Δ = 1e-3 (truncation Δ² e‴/6 ~ 1e-7 relative; the 1e-10 ODE tolerance adds
    /// ~1e-10/Δ); bound 1e-4 (measured 4.3e-7 trained, 4.5e-7 frozen). K = 2, π = (0.3, 0.7), a(0) = (0.5, 2), k = 2, asymmetric v(0).
    func testErrorDecreasesAsGradientFlow() throws {
        let (pi, alpha) = ([0.3, 0.7], 0.3), h = PowerSeries(fromLinearTerm: paperH)
        let state = try MeanFieldInitialState(weights: pi, secondLayer: [0.5, 2], overlaps: [[0.1, -0.2], [0.3, 0.05]])
        func energy(_ x: [Double]) -> Double {  // x = (a_1, a_2, v_1, v_2)
            let a = Array(x[0..<2]), v = [Array(x[2..<4]), Array(x[4..<6])]
            func phiHat(_ v: [Double]) -> Double { v.reduce(0) { $0 + h($1) } / 2.0.squareRoot() }
            var e = 0.36 + h(1)
            for i in 0..<2 {
                e -= 2 * pi[i] * a[i] * phiHat(v[i])
                for j in 0..<2 { e += pi[i] * pi[j] * a[i] * a[j] * h(v[i][0] * v[j][0] + v[i][1] * v[j][1]) }
            }
            return e / 2
        }
        for train in [true, false] {
            let (delta, duration) = (1e-3, 3.0)
            let traj = try MeanFieldODE(duration: duration, outputInterval: delta).solve(
                multiIndex(k: 2, state, trainSecondLayer: train))
            let columns = ["a_1", "a_2", "v_1_1", "v_1_2", "v_2_1", "v_2_2"].map { traj[$0]! }
            let e = traj[.testError]!
            var worst = 0.0, worstIdentity = 0.0
            for n in stride(from: 1, to: traj.count - 1, by: 50) {
                let x = columns.map { $0[n] }
                worstIdentity = max(worstIdentity, abs(energy(x) - e[n]))
                let grad = x.indices.map { l -> Double in
                    var (up, down) = (x, x)
                    up[l] += 1e-6
                    down[l] -= 1e-6
                    return (energy(up) - energy(down)) / 2e-6
                }
                var predicted = 0.0
                for i in 0..<2 {
                    let (ga, gv, v) = (grad[i], [grad[2 + 2 * i], grad[3 + 2 * i]], [x[2 + 2 * i], x[3 + 2 * i]])
                    let radial = gv[0] * v[0] + gv[1] * v[1]
                    predicted -= alpha / pi[i] * ((train ? ga * ga : 0) + gv[0] * gv[0] + gv[1] * gv[1] - radial * radial)
                }
                let measured = (e[n + 1] - e[n - 1]) / (2 * delta)
                worst = max(worst, abs(measured - predicted) / abs(predicted))
            }
            print("gradient flow (train a: \(train)): e from", e.first!, "to", e.last!,
                  " max relative de/dt error", worst, " max |e − e(a, v)|", worstIdentity)
            XCTAssertLessThan(worst, 1e-4)
            XCTAssertLessThan(worstIdentity, 1e-13)  // same formula, different summation order
            XCTAssertTrue(zip(e, e.dropFirst()).allSatisfy { $1 <= $0 + 1e-14 }, "e increased")
            XCTAssertLessThan(e.last!, e.first! - 0.05)  // it does decrease
            if !train { XCTAssertEqual(traj["a_2"]!.last!, 2) }
        }
    }

    func testBadMultiIndexInputIsRefused() throws {
        func assertInvalid(_ what: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body(), what) { error in
                guard case DMFTError.invalidInput(let message) = error else { return XCTFail("\(what): \(error)") }
                print(what, "→", message)
            }
        }
        let cov = try CovarianceModel(h: paperH, phiHat: paperH)
        assertInvalid("weights not summing to 1") { _ = try MeanFieldInitialState(weights: [0.5, 0.6], secondLayer: [1, 1]) }
        assertInvalid("a negative weight") { _ = try MeanFieldInitialState(weights: [1.5, -0.5], secondLayer: [1, 1]) }
        assertInvalid("wrong gradient length") {
            _ = try MultiIndexTarget(indexCount: 2, phiNorm2: 1, phiHat: { _ in 0 }, phiHatGradient: { _ in [0] })
        }
        assertInvalid("non-finite φ̂") {
            _ = try MultiIndexTarget(indexCount: 1, phiNorm2: 1, phiHat: { _ in .nan }, phiHatGradient: { _ in [0] })
        }
        assertInvalid("‖v(0)‖ > 1") { _ = try MeanFieldInitialState.symmetric(secondLayer: 1, overlap: [0.8, 0.8]) }
        assertInvalid("v(0) of the wrong length") {
            _ = try self.multiIndex(k: 2, .symmetric(secondLayer: 1, overlap: [0.5]))
        }
        assertInvalid("k = 0 (additive)") { _ = try MultiIndexTarget.additive(cov, indexCount: 0) }
        assertInvalid("k = 0 (pure noise)") { _ = try MultiIndexTarget.pureNoise(indexCount: 0) }
        // A gradient of the wrong length away from the probed points ends the run with invalidInput.
        let sneaky = try MultiIndexTarget(
            indexCount: 1, phiNorm2: 1, phiHat: { 0.9 * $0[0] }, phiHatGradient: { $0[0] > 0.6 ? [] : [0.9] })
        assertInvalid("wrong gradient length during the run") {
            _ = try MeanFieldODE(duration: 50, outputInterval: 1).solve(MultiIndexMeanFieldProblem(
                alpha: 0.3, noise: 0, h: cov.h, target: sneaky, initialState: .symmetric(secondLayer: 1)))
        }
    }
}
