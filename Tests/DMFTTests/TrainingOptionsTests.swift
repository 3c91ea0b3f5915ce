import CNumerics
import Foundation
import XCTest

@testable import DMFT

/// The training options (`docs/equations.md`, Training options): weight decay λ, the learning-rate
/// ratio κ and the frozen first layer, in the DMFT (uniform, long-time, grouped), the mean-field
/// ODE and both simulators, against closed forms, exact changes of time and each other.
/// `DMFT_VERBOSE=1` prints the simulator comparisons.
final class TrainingOptionsTests: XCTestCase {
    /// Pure noise, m = 3, α = 0.5, τ = 1, a₀ = 1, h = 0.1q + 0.5q² (the simulators' validation problem).
    func pureNoise(
        weightDecay: Double = 0, ratio: Double = 1, trainFirstLayer: Bool = true, initialization: Initialization = .meanField(a0: 1)
    ) throws -> TrainingProblem {
        try TrainingProblem(
            width: 3, alpha: 0.5, noise: 1, covariance: CovarianceModel(h: [0.1, 0.5]), initialization: initialization,
            trainFirstLayer: trainFirstLayer, weightDecay: weightDecay, learningRateRatio: ratio)
    }

    static var verbose: Bool { ProcessInfo.processInfo.environment["DMFT_VERBOSE"] == "1" }

    // MARK: - Defaults and input

    /// λ = 0 and κ = 1 are the plain problem: the same value, the same solve bit for bit, and no
    /// new keys in its record (so sidecars and scan hashes stay as they were); a tiny λ moves the
    /// solution by a tiny amount (the option is wired, continuously).
    func testDefaultsAreThePlainProblem() throws {
        let spec = ProblemSpec.defaultExample
        let plain = try spec.makeProblem()
        var explicit = spec
        (explicit.weightDecay, explicit.lrRatio, explicit.freezeFirstLayer) = (0, 1, false)
        XCTAssertEqual(try explicit.makeProblem(), plain)
        let json = String(decoding: try JSONEncoder().encode(explicit), as: UTF8.self)
        for key in ["weight_decay", "lr_ratio", "freeze_first_layer"] { XCTAssertFalse(json.contains(key), json) }
        let solver = UniformEulerSolver(step: 0.02, duration: 1)
        let reference = try solver.solve(plain).trajectory
        XCTAssertEqual(try solver.solve(try explicit.makeProblem()).trajectory, reference)
        var tiny = plain
        tiny.weightDecay = 1e-9
        let nudged = try solver.solve(tiny).trajectory
        let shift = zip(nudged[.secondLayer]!, reference[.secondLayer]!).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(shift, 0)
        XCTAssertLessThan(shift, 1e-9)   // |∂a/∂λ| ≤ α t a = 0.3 here
    }

    /// Bad values are refused by the problem itself, with messages naming the option.
    func testRefusesBadOptions() throws {
        for (decay, ratio, first, second, fragment) in [
            (-0.1, 1.0, true, true, "weight decay"), (.nan, 1, true, true, "weight decay"),
            (0, 0, true, true, "learning-rate ratio"), (0, -1, true, true, "learning-rate ratio"),
            (0, .infinity, true, true, "learning-rate ratio"), (0, 1, false, false, "nothing to train"),
            (0.1, 1, true, false, "--freeze-second-layer"), (0, 2, true, false, "--freeze-second-layer"),
        ] as [(Double, Double, Bool, Bool, String)] {
            XCTAssertThrowsError(
                try TrainingProblem(
                    width: 3, alpha: 0.5, noise: 1, covariance: CovarianceModel(h: [0.1, 0.5]),
                    initialization: .meanField(a0: 1), trainSecondLayer: second, trainFirstLayer: first,
                    weightDecay: decay, learningRateRatio: ratio)
            ) { XCTAssert("\($0)".contains(fragment), "\($0)") }
        }
        let frozen = try pureNoise(trainFirstLayer: false)
        XCTAssertThrowsError(try RatioGridSolver(duration: 1).solve(frozen)) { XCTAssert("\($0)".contains("--freeze-first-layer")) }
        XCTAssertThrowsError(try MeanFieldODE(duration: 1, outputInterval: 0.5).solve(frozen))
        XCTAssertThrowsError(try InfiniteWidthLimit(step: 0.1, duration: 1).solve(frozen))
        XCTAssertThrowsError(try MeanFieldNoiseLimit(try pureNoise(weightDecay: 0.1)))
    }

    // MARK: - Frozen first layer: population gradient flow in a

    /// Symmetric start, W frozen: `C_d = 1`, `C_o = 0`, `v = 0`, `R = 0`, so the DMFT's a-equation
    /// is `da/dt = −κα(h(1)/m + λ)a` (φ̂(0) = 0): `a(t) = a₀e^{−rt}`, and `e_train = e_test =
    /// ½[τ² + a²h(1)/m]`. The uniform solver's Euler steps give exactly `a_k = a₀(1 − ηr)^k`
    /// (asserted to rounding); its Richardson value `2a(η/2) − a(η)` matches `a₀e^{−rt}` to
    /// O(η²): from `(1 − ηr)^{t/η} = e^{−rt − tηr²/2 − tη²r³/3 − …}` its error is
    /// `a₀e^{−rt}η²(tr³/6 − t²r⁴/16) + O(η³)`, asserted with a 10% margin for the O(η³) rest
    /// (which is 2% of the leading term here, computed once). The long-time solver gets a(t)
    /// within its tolerance.
    func testFrozenFirstLayerRelaxesExponentially() throws {
        let (lambda, kappa) = (0.3, 1.5)
        let p = try pureNoise(weightDecay: lambda, ratio: kappa, trainFirstLayer: false)
        let h1 = p.covariance.h(1), m = Double(p.width)
        let rate = kappa * p.alpha * (h1 / m + lambda)
        let (eta, duration) = (0.05, 4.0)
        let coarse = try UniformEulerSolver(step: eta, duration: duration).solve(p).trajectory
        let fine = try UniformEulerSolver(step: eta / 2, duration: duration).solve(p).trajectory
        for (k, t) in coarse.time.enumerated() {
            let a = coarse[.secondLayer]![k]
            XCTAssertEqual(a, pow(1 - eta * rate, Double(k)), accuracy: 1e-14, "t = \(t)")
            let exact = exp(-rate * t)
            let richardson = 2 * fine.value("a", at: t)! - a
            let leading = exact * eta * eta * abs(t * pow(rate, 3) / 6 - t * t * pow(rate, 4) / 16)
            XCTAssertEqual(richardson, exact, accuracy: 1.1 * leading + 1e-15, "t = \(t)")
            let error = 0.5 * (p.noise * p.noise + a * a * h1 / m)
            XCTAssertEqual(coarse[.trainError]![k], error, accuracy: 1e-14)
            XCTAssertEqual(coarse[.testError]![k], error, accuracy: 1e-14)
            XCTAssertEqual(coarse[.diagonalCorrelationToStart]![k], 1)
            XCTAssertEqual(coarse[.offDiagonalCorrelation]![k], 0)
            XCTAssertEqual(coarse[.overlap]![k], 0)
            XCTAssertEqual(coarse[.lagrangeMultiplier]![k], 0)
        }
        let long = try LongTimeSolver(duration: duration, tolerance: 1e-6).solve(p).trajectory
        for (k, t) in long.time.enumerated() {
            XCTAssertEqual(long[.secondLayer]![k], exp(-rate * t), accuracy: 1e-5, "long solver, t = \(t)")
        }
    }

    /// Grouped start, W frozen, single-index target: groups of sizes 2 and 1 with `a_g(0) = (1, −½)`,
    /// `v_g(0) = (0.6, −0.3)` and independent directions, so `C_ij(0,0) = v_g v_h` stays. The DMFT is
    /// then the linear flow `da/dt = κα(b − (M + λ)a)` with `b_g = φ̂(v_g)`,
    /// `M_gh = (δ_gh h(1) + n_gh h(C^o_gh))/m`, whose Euler recursion the test computes itself and
    /// the solver must reproduce to rounding; by t = 40 a has reached the ridge solution
    /// `a* = (M + λ)⁻¹ b` to `e^{−κα μ_min t}|a(0) − a*| < 1e-8` (μ_min ≥ λ = 0.5). Train and test
    /// errors agree (both are the population risk).
    func testFrozenFirstLayerGroupedReachesTheRidgeSolution() throws {
        let groups = InitialGroups(sizes: [2, 1], secondLayer: [1, -0.5], overlap: [0.6, -0.3])
        let (lambda, kappa, eta, duration) = (0.5, 2.0, 0.05, 40.0)
        let p = try TrainingProblem(
            width: 3, alpha: 0.5, noise: 0.5, covariance: CovarianceModel(h: [0.5, 0.5], phiHat: [0.5, 0.5]),
            initialization: .groups(groups), trainFirstLayer: false, weightDecay: lambda, learningRateRatio: kappa)
        let t = try UniformEulerSolver(step: eta, duration: duration).solve(p).trajectory
        let h = p.covariance.h, m = 3.0
        let b = groups.overlap.map { p.covariance.phiHat($0) }
        var matrix = [[Double]](repeating: [0, 0], count: 2)
        for g in 0..<2 {
            for k in 0..<2 {
                let others = Double(groups.sizes[k] - (g == k ? 1 : 0))
                matrix[g][k] = ((g == k ? h(1) : 0) + others * h(groups.initialOverlap(g, k))) / m
            }
        }
        var a = groups.secondLayer
        for (row, time) in t.time.enumerated() {
            XCTAssertEqual(t["a_g1"]![row], a[0], accuracy: 1e-13, "t = \(time)")
            XCTAssertEqual(t["a_g2"]![row], a[1], accuracy: 1e-13, "t = \(time)")
            XCTAssertEqual(t[.trainError]![row], t[.testError]![row], accuracy: 1e-13)
            XCTAssertEqual(t["v_g1"]![row], 0.6)
            a = (0..<2).map { g in
                a[g] + eta * kappa * p.alpha * (b[g] - matrix[g][0] * a[0] - matrix[g][1] * a[1] - lambda * a[g])
            }
        }
        // a* = (M + λI)⁻¹ b by Cramer's rule.
        let (p11, p12, p21, p22) = (matrix[0][0] + lambda, matrix[0][1], matrix[1][0], matrix[1][1] + lambda)
        let det = p11 * p22 - p12 * p21
        let ridge = [(b[0] * p22 - p12 * b[1]) / det, (p11 * b[1] - p21 * b[0]) / det]
        XCTAssertEqual(t["a_g1"]!.last!, ridge[0], accuracy: 1e-8)
        XCTAssertEqual(t["a_g2"]!.last!, ridge[1], accuracy: 1e-8)
    }

    // MARK: - κ as a change of time

    /// With W frozen only a moves, so κ is exactly a change of time: the κ = 2 run with step η
    /// equals the κ = 1 run with step 2η row by row (at times t and 2t), in the DMFT and in both
    /// simulators (same seeds, so the same data and, for SGD, the same batches), to rounding.
    func testLearningRateRatioIsAChangeOfTimeWithTheFirstLayerFrozen() throws {
        let fast = try pureNoise(weightDecay: 0.2, ratio: 2, trainFirstLayer: false)
        let slow = try pureNoise(weightDecay: 0.2, ratio: 1, trainFirstLayer: false)
        func assertSameRows(_ x: Trajectory, _ y: Trajectory, _ what: String) {
            XCTAssertEqual(x.count, y.count, what)
            for name in ["e_train", "e_test", "a", "v"] {
                for (u, w) in zip(x[name]!, y[name]!) { XCTAssertEqual(u, w, accuracy: 1e-13, "\(what): \(name)") }
            }
            XCTAssertEqual(zip(x.time, y.time).map { 2 * $0 - $1 }.map(abs).max()!, 0, accuracy: 1e-12, what)
        }
        assertSameRows(
            try UniformEulerSolver(step: 0.01, duration: 1).solve(fast).trajectory,
            try UniformEulerSolver(step: 0.02, duration: 2).solve(slow).trajectory, "DMFT")
        let gaussian = GaussianModelSimulator(dimension: 20, step: 0.05, duration: 1, recordInterval: 0.25, seed: 3)
        var gaussianSlow = gaussian
        (gaussianSlow.step, gaussianSlow.duration, gaussianSlow.recordInterval) = (0.1, 2, 0.5)
        assertSameRows(try gaussian.run(fast, realisation: 0), try gaussianSlow.run(slow, realisation: 0), "Gaussian model")
        // Network: one SGD step is time η d/n; doubling η doubles both the a-step and the time per step.
        var network = NetworkSimulator(dimension: 50, learningRate: 0.05, batchSize: 25, duration: 1, recordInterval: 0.25, seed: 3)
        network.concurrentRuns = 1
        var networkSlow = network
        (networkSlow.learningRate, networkSlow.duration, networkSlow.recordInterval) = (0.1, 2, 0.5)
        assertSameRows(try network.run(fast, realisation: 0), try networkSlow.run(slow, realisation: 0), "network")
    }

    // MARK: - Weight decay in the mean-field ODE

    /// m → ∞ single index with `φ̂ = h`: `da/dt = κα(φ̂(v) − a h(v²) − λa)` and v → 1, so a
    /// relaxes to the ridge value `a* = h(1)/(h(1) + λ)` and the error to `½[τ² + h(1)(1 − a*)²]`
    /// (asserted to 1e-6 at t = 200; the slowest rate, that of v near 1, is ≈ 2αa*h'(1)(1 − a*)
    /// ≥ 0.2 here). The fixed point does not depend on κ (both layers train, so κ is no change
    /// of time here).
    func testWeightDecayShiftsTheMeanFieldFixedPointToTheRidgeValue() throws {
        let h = [0.9, 0, 1.0 / 6]
        for kappa in [1.0, 2.0] {
            for lambda in [0.25, 1.0] {
                let p = try TrainingProblem(
                    width: 50, alpha: 0.5, noise: 0.6, covariance: CovarianceModel(h: h, phiHat: h),
                    initialization: .meanField(a0: 1), weightDecay: lambda, learningRateRatio: kappa)
                let t = try MeanFieldODE(duration: 200, outputInterval: 10).solve(p)
                let h1 = p.covariance.h(1), ridge = h1 / (h1 + lambda)
                XCTAssertEqual(t[.overlap]!.last!, 1, accuracy: 1e-6, "κ = \(kappa), λ = \(lambda)")
                XCTAssertEqual(t[.secondLayer]!.last!, ridge, accuracy: 1e-6, "κ = \(kappa), λ = \(lambda)")
                XCTAssertEqual(
                    t[.testError]!.last!, 0.5 * (0.36 + h1 * (1 - ridge) * (1 - ridge)), accuracy: 1e-6)
            }
        }
        // The k-type form carries the options too: one type is the single-index ODE.
        let p = try TrainingProblem(
            width: 50, alpha: 0.5, noise: 0.6, covariance: CovarianceModel(h: h, phiHat: h),
            initialization: .meanField(a0: 1), weightDecay: 0.5, learningRateRatio: 2)
        let typed = try MultiIndexMeanFieldProblem(
            alpha: 0.5, noise: 0.6, h: p.covariance.h, target: .additive(p.covariance, indexCount: 1),
            initialState: .symmetric(secondLayer: 1), weightDecay: 0.5, learningRateRatio: 2)
        let ode = MeanFieldODE(duration: 5, outputInterval: 1)
        for (x, y) in zip(try ode.solve(p)[.secondLayer]!, try ode.solve(typed)[.secondLayer]!) {
            XCTAssertEqual(x, y, accuracy: 1e-9)
        }
    }

    /// The infinite-width limit takes λ and κ with its own time factor: in `T = t/m` the penalty
    /// term is `mαλa = ᾱλa`. At T = 0 (pure noise: `φ̂ = 0`, `C_o = 0`, `h(0) = 0`, no memory yet)
    /// that term is all of `da/dT`, so the first step is exactly `a₀(1 − ηκᾱλ)`, and `a₀` without
    /// weight decay.
    func testInfiniteWidthLimitTakesWeightDecayOnItsTimeScale() throws {
        let (lambda, kappa, eta) = (0.5, 2.0, 0.01)
        let solver = InfiniteWidthLimit(step: eta, duration: 0.05)
        let decayed = try solver.solve(try pureNoise(weightDecay: lambda, ratio: kappa))
        let p = try pureNoise()
        XCTAssertEqual(decayed[.secondLayer]![1], 1 - solver.gridStep * kappa * p.alphaBar * lambda, accuracy: 1e-15)
        XCTAssertEqual(try solver.solve(p)[.secondLayer]![1], 1)
    }

    // MARK: - Simulators against the DMFT

    /// `effect = option − plain` of an observable at time t, averaged over realisations that share
    /// their seed (same data, same W(0)), with its standard error.
    struct Effect {
        var mean: Double, se: Double
    }

    /// Paired effects of `option` over `plain` for `names` at `time`, from `runs` realisations of `run`.
    static func pairedEffects(
        plain: TrainingProblem, option: TrainingProblem, names: [String], time: Double, runs: Int,
        run: @escaping @Sendable (TrainingProblem, Int) throws -> Trajectory
    ) throws -> [String: Effect] {
        let rows = try parallelRealisations(runs) { r in
            let x = try run(option, r), y = try run(plain, r)
            return names.map { x.value($0, at: time)! - y.value($0, at: time)! }
        }
        let n = Double(runs)
        var result: [String: Effect] = [:]
        for (j, name) in names.enumerated() {
            let values = rows.map { $0[j] }
            let mean = values.reduce(0, +) / n
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            result[name] = Effect(mean: mean, se: (variance / n).squareRoot())
        }
        return result
    }

    /// The options one at a time on the pure-noise problem, with both layers trained unless frozen.
    func optionCases() throws -> [(label: String, problem: TrainingProblem)] {
        [("λ = 1", try pureNoise(weightDecay: 1)), ("κ = 2", try pureNoise(ratio: 2)),
         ("W frozen", try pureNoise(trainFirstLayer: false))]
    }

    /// GD on the Gaussian-process model: each option changes a(t), e_train(t), e_test(t) as the
    /// DMFT says, and the gap closes like 1/d. Paired effects (option − plain on the same
    /// realisations, so most of the finite-d bias and noise cancels) at t = 2, GD and DMFT step
    /// 0.02, against the DMFT's effect, at d = 20 (256 realisations) and d = 40 (64).
    /// Asserted per option and observable, with σ the standard errors:
    /// - the gap scales like 1/d: `|gap(40) − gap(20)/2| ≤ 4σ + ¼|gap(20)|` (4σ of sampling,
    ///   and half of the predicted gap(40) for the 1/d² corrections);
    /// - at d = 40 the simulated effect is the DMFT's to within `¼|effect| + 4σ`: any wiring error
    ///   (option missing, κ² for κ, λ for λ/m) changes the effect by a factor ≥ 2.
    /// Measured (seed 11), gap ± σ of a at d = 20 → 40, against the DMFT effect: λ = 1: +0.0081 ± 0.0011 →
    /// +0.0034 ± 0.0016 (effect −0.610); κ = 2: −0.0289 ± 0.0032 → −0.0121 ± 0.0045 (+0.051);
    /// W frozen: +0.0082 ± 0.0041 → +0.0003 ± 0.0062 (−0.237). The e_train gaps are the largest
    /// (the m parameters overfit n = 1.5d samples): W frozen −0.044 → −0.013 (effect +0.372).
    func testGaussianModelFollowsTheDMFTUnderEachOption() throws {
        let plain = try pureNoise(), names = ["a", "e_train", "e_test"], time = 2.0
        let dmft = UniformEulerSolver(step: 0.02, duration: time)
        let reference = try dmft.solve(plain).trajectory
        for (label, option) in try optionCases() {
            let theory = try dmft.solve(option).trajectory
            var gaps: [Int: [String: Effect]] = [:]
            for (d, runs) in [(20, 256), (40, 64)] {
                let sim = GaussianModelSimulator(dimension: d, step: 0.02, duration: time, recordInterval: 1, seed: 11)
                let effects = try Self.pairedEffects(
                    plain: plain, option: option, names: names, time: time, runs: runs,
                    run: { p, r in try sim.run(p, realisation: r) })
                for name in names {
                    let expected = theory.value(name, at: time)! - reference.value(name, at: time)!
                    let e = effects[name]!
                    gaps[d, default: [:]][name] = Effect(mean: e.mean - expected, se: e.se)
                    if Self.verbose {
                        print(String(format: "gaussian %@ d = %d %@: sim %+.5f ± %.5f, DMFT %+.5f, gap %+.5f",
                                     label, d, name, e.mean, e.se, expected, e.mean - expected))
                    }
                    if d == 40 {
                        XCTAssertLessThan(abs(e.mean - expected), 0.25 * abs(expected) + 4 * e.se, "\(label), \(name)")
                    }
                }
            }
            for name in names {
                let (g20, g40) = (gaps[20]![name]!, gaps[40]![name]!)
                let sigma = (g40.se * g40.se + g20.se * g20.se / 4).squareRoot()
                XCTAssertLessThan(
                    abs(g40.mean - g20.mean / 2), 4 * sigma + 0.25 * abs(g20.mean),
                    "\(label), \(name): gap \(g20.mean) ± \(g20.se) at d = 20, \(g40.mean) ± \(g40.se) at d = 40")
            }
        }
    }

    /// SGD on the real network (d = 200, m = 3, n = αmd = 300, B = 75, step 0.02, 32 realisations):
    /// each option's paired effect at t = 2 against the DMFT's, to `0.3|effect| + 4σ`. Loose:
    /// the plain network is itself only within ≈ 15% of e(0) of the DMFT at such sizes
    /// (`NetworkSimulatorTests.testRoughAgreementWithDMFT`: real σ and finite d, mini-batch
    /// noise); any wiring error changes an effect by a factor ≥ 2, far beyond it.
    func testNetworkFollowsTheDMFTUnderEachOption() throws {
        let plain = try pureNoise(), names = ["a", "e_train", "e_test"], time = 2.0
        let dmft = UniformEulerSolver(step: 0.02, duration: time)
        let reference = try dmft.solve(plain).trajectory
        for (label, option) in try optionCases() {
            let theory = try dmft.solve(option).trajectory
            var sim = NetworkSimulator(dimension: 200, learningRate: 0.02, batchSize: 75, duration: time, recordInterval: 1, seed: 11)
            sim.concurrentRuns = 1
            let effects = try Self.pairedEffects(
                plain: plain, option: option, names: names, time: time, runs: 32,
                run: { [sim] p, r in try sim.run(p, realisation: r) })
            for name in names {
                let expected = theory.value(name, at: time)! - reference.value(name, at: time)!
                let e = effects[name]!
                if Self.verbose {
                    print(String(format: "network %@ %@: sim %+.5f ± %.5f, DMFT %+.5f, gap %+.5f",
                                 label, name, e.mean, e.se, expected, e.mean - expected))
                }
                XCTAssertLessThan(abs(e.mean - expected), 0.3 * abs(expected) + 4 * e.se, "network, \(label), \(name)")
            }
        }
    }
}
