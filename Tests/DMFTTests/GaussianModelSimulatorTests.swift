import CNumerics
import Foundation
import XCTest

@testable import DMFT

/// Gradient descent on the Gaussian-process model: its gradient and covariances, its contract
/// (determinism, validation, divergence, progress), and its agreement with the uniform-Euler
/// DMFT as d grows (the project's validation plan (item 2)). `DMFT_VERBOSE=1` prints every comparison;
/// `DMFT_LONG_VALIDATION=1` runs the large comparison the biases below were measured with.
final class GaussianModelSimulatorTests: XCTestCase {
    /// the project's validation plan (§ 2): m = 3, ᾱ = 1.5 (α = 0.5), τ = 1, a₀ = 1, h = 0.1q + 0.5q², pure noise.
    func pureNoiseProblem() throws -> TrainingProblem {
        try TrainingProblem(
            width: 3, alpha: 0.5, noise: 1, covariance: CovarianceModel(h: [0.1, 0.5]),
            initialization: .meanField(a0: 1))
    }

    /// Single index, `h = φ̂ = 0.5q + 0.5q²`, `‖φ‖² = h(1) = 1`, m = 3, α = 0.5, τ = 0.5, a₀ = 1.
    func singleIndexProblem() throws -> TrainingProblem {
        try TrainingProblem(
            width: 3, alpha: 0.5, noise: 0.5, covariance: CovarianceModel(h: [0.5, 0.5], phiHat: [0.5, 0.5]),
            initialization: .meanField(a0: 1))
    }

    // MARK: - Statistics helpers

    /// One realisation's trajectory plus covariates with exactly zero mean (if the model is
    /// right): `X1 = ‖y‖²/n − (τ² + ‖φ‖²)`, `X2 = mean_i (∂_{a_i} R̂ − ∂_{a_i} R)` at t = 0 with
    /// `∂_{a_i} R = (1/m)[(1/m) Σ_j a_j h(<w_i,w_j>) − φ̂(<u,w_i>)]` the population gradient,
    /// `X3 = C_o(0,0)` and, with a target, `X4 = v(0)`. They are fixed at t = 0, so regressing an
    /// observable on them removes the part of its realisation-to-realisation scatter that the
    /// initial condition and the sampled data explain, without biasing its mean.
    struct Sample {
        let trajectory: Trajectory
        let covariates: [Double]
    }

    static func covariates(_ real: GaussianModelRealisation, _ p: TrainingProblem) -> [Double] {
        let n = real.n, d = real.d, m = real.m
        var y2 = 0.0
        for mu in 0..<n { y2 += real.y[mu] * real.y[mu] }
        let x1 = y2 / Double(n) - (p.noise * p.noise + p.covariance.phiNorm2)
        var x2 = 0.0
        for i in 0..<m {
            var population = 0.0
            for j in 0..<m {
                var c = 0.0
                for l in 0..<d { c += real.w[i * d + l] * real.w[j * d + l] }
                population += real.a[j] * p.covariance.h(c) / Double(m * m)
            }
            if let u = real.u {
                var v = 0.0
                for l in 0..<d { v += real.w[i * d + l] * u[l] }
                population -= p.covariance.phiHat(v) / Double(m)
            }
            x2 += (real.gradA[i] - population) / Double(m)
        }
        // X3 = C_o(0,0) (mean overlap of distinct units), X4 = v(0) = mean_i <u, w_i(0)>.
        var x3 = 0.0
        for i in 0..<m {
            for j in (i + 1)..<m {
                for l in 0..<d { x3 += real.w[i * d + l] * real.w[j * d + l] }
            }
        }
        x3 /= Double(max(m * (m - 1) / 2, 1))
        guard let u = real.u else { return [x1, x2, x3] }
        var x4 = 0.0
        for i in 0..<m { for l in 0..<d { x4 += real.w[i * d + l] * u[l] } }
        return [x1, x2, x3, x4 / Double(m)]
    }

    /// Realisations `offset ..< offset + runs`, in parallel, ordered by realisation.
    static func sampleRuns(_ sim: GaussianModelSimulator, _ p: TrainingProblem, runs: Int, offset: Int = 0) throws -> [Sample] {
        try parallelRealisations(runs) { r in
            var cov: [Double] = []
            let t = try sim.run(p, realisation: offset + r, atStart: { cov = Self.covariates($0, p) })
            return Sample(trajectory: t, covariates: cov)
        }
    }

    /// Mean ± standard error of `y`, and the control-variate (regression) estimate using
    /// covariates of known mean 0: `ȳ − β̂ᵀ x̄` with `β̂` the least-squares slope; its standard
    /// error is the residual standard deviation / √R.
    struct Estimate {
        var mean: Double, se: Double, cvMean: Double, cvSe: Double
    }

    static func estimate(_ y: [Double], _ x: [[Double]]) -> Estimate {
        let r = Double(y.count)
        let my = y.reduce(0, +) / r
        let sd = (y.reduce(0) { $0 + ($1 - my) * ($1 - my) } / (r - 1)).squareRoot()
        let p = x[0].count
        var mx = [Double](repeating: 0, count: p)
        for row in x { for j in 0..<p { mx[j] += row[j] / r } }
        var sxx = [Double](repeating: 0, count: p * p), sxy = [Double](repeating: 0, count: p)
        for (k, row) in x.enumerated() {
            for j in 0..<p {
                sxy[j] += (row[j] - mx[j]) * (y[k] - my)
                for l in 0..<p { sxx[j * p + l] += (row[j] - mx[j]) * (row[l] - mx[l]) }
            }
        }
        // Solve the p×p normal equations (p ≤ 2 here) by Gaussian elimination.
        var a = sxx, b = sxy
        for c in 0..<p {
            for rr in (c + 1)..<p {
                let f = a[rr * p + c] / a[c * p + c]
                for l in c..<p { a[rr * p + l] -= f * a[c * p + l] }
                b[rr] -= f * b[c]
            }
        }
        var beta = [Double](repeating: 0, count: p)
        for c in stride(from: p - 1, through: 0, by: -1) {
            var s = b[c]
            for l in (c + 1)..<p { s -= a[c * p + l] * beta[l] }
            beta[c] = s / a[c * p + c]
        }
        var rss = 0.0
        for (k, row) in x.enumerated() {
            var fit = 0.0
            for j in 0..<p { fit += beta[j] * (row[j] - mx[j]) }
            rss += (y[k] - my - fit) * (y[k] - my - fit)
        }
        var cv = my
        for j in 0..<p { cv -= beta[j] * mx[j] }
        return Estimate(
            mean: my, se: sd / r.squareRoot(), cvMean: cv,
            cvSe: (rss / (r - Double(p) - 1)).squareRoot() / r.squareRoot())
    }

    static func column(_ samples: [Sample], _ name: String, at t: Double) -> [Double] {
        samples.map { $0.trajectory.value(name, at: t)! }
    }

    // MARK: - The model and its gradient

    /// A tiny instance with degree-1, -2 and -3 terms and a single-index target whose `‖φ‖²`
    /// exceeds `Σ b_k²` (so the extra target Gaussian is exercised).
    func tinyProblem() throws -> TrainingProblem {
        try TrainingProblem(
            width: 3, alpha: 1.4 / 3, noise: 0.7,
            covariance: CovarianceModel(h: [0.3, 0.5, 0.2], phiHat: [0.2, 0.3, 0.1], phiNorm2: 1.2),
            initialization: .meanField(a0: 0.8))
    }

    /// The analytic gradient of R̂ with respect to a and to each w_i (unconstrained, before the
    /// projection) equals central finite differences of R̂.
    func testGradientMatchesFiniteDifferences() throws {
        let p = try tinyProblem()
        let sim = GaussianModelSimulator(dimension: 5, step: 0.01, duration: 1, recordInterval: 0.1, seed: 3)
        XCTAssertEqual(sim.sampleCount(p), 7)
        let real = try GaussianModelRealisation(
            problem: p, dimension: 5, samples: 7, seed: 99, initialSecondLayer: nil)
        XCTAssertEqual(real.degrees, [1, 2, 3])
        // A generic point: a not symmetric, rows of W not unit vectors.
        let rng = GaussianRandom(seed: 5)
        let a = rng.normals(3).map { 1 + 0.5 * $0 }
        let w = rng.normals(15).map { 0.6 * $0 }
        let exact = real.riskAndGradient(a: a, w: w)
        XCTAssertTrue(exact.risk.isFinite && exact.risk > 0)
        let h = 1e-5
        func risk(_ a: [Double], _ w: [Double]) -> Double { real.riskAndGradient(a: a, w: w).risk }
        var fdA = [Double](repeating: 0, count: 3)
        for i in 0..<3 {
            var plus = a, minus = a
            plus[i] += h; minus[i] -= h
            fdA[i] = (risk(plus, w) - risk(minus, w)) / (2 * h)
        }
        var fdW = [Double](repeating: 0, count: 15)
        for j in 0..<15 {
            var plus = w, minus = w
            plus[j] += h; minus[j] -= h
            fdW[j] = (risk(a, plus) - risk(a, minus)) / (2 * h)
        }
        // Central differences: truncation O(h² R̂''') ~ 1e-10, round-off O(ε R̂/h) ~ 1e-11,
        // against gradients of order 0.1–1: relative error far below 1e-6 if the formula is right.
        func relativeError(_ x: [Double], _ y: [Double]) -> Double {
            let diff = zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            return diff / y.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        XCTAssertLessThan(relativeError(fdA, exact.gradA), 1e-6, "∇_a R̂: \(exact.gradA) vs FD \(fdA)")
        for i in 0..<3 {
            let rows = (5 * i)..<(5 * i + 5)
            XCTAssertLessThan(
                relativeError(Array(fdW[rows]), Array(exact.gradW[rows])), 1e-6,
                "∇_{w_\(i)} R̂: \(Array(exact.gradW[rows])) vs FD \(Array(fdW[rows]))")
        }
    }

    /// One GD step keeps every w_i on the sphere and, for a small step, lowers R̂ by
    /// ≈ rate·(|∇_a R̂|² + Σ_i |P⊥∇_{w_i} R̂|²).
    func testUpdateStaysOnTheSphereAndDescends() throws {
        let p = try tinyProblem()
        let real = try GaussianModelRealisation(problem: p, dimension: 5, samples: 7, seed: 4, initialSecondLayer: nil)
        let r0 = real.evaluate()
        var expected = 0.0
        for i in 0..<3 { expected += real.gradA[i] * real.gradA[i] }
        for i in 0..<3 {
            var radial = 0.0
            for l in 0..<5 { radial += real.gradW[i * 5 + l] * real.w[i * 5 + l] }
            for l in 0..<5 {
                let t = real.gradW[i * 5 + l] - radial * real.w[i * 5 + l]
                expected += t * t
            }
        }
        let rate = 1e-6
        try real.update(rate: rate, p)
        for i in 0..<3 {
            var norm = 0.0
            for l in 0..<5 { norm += real.w[i * 5 + l] * real.w[i * 5 + l] }
            XCTAssertEqual(norm, 1, accuracy: 1e-14)
        }
        let r1 = real.evaluate()
        XCTAssertEqual((r0 - r1) / rate, expected, accuracy: 1e-4 * expected)
    }

    /// The symmetric part keeps every `<T, x^{⊗k}>` and is invariant under index permutations.
    func testSymmetriser() {
        let rng = GaussianRandom(seed: 8)
        for (k, d) in [(2, 5), (3, 4), (4, 3)] {
            let size = Int(pow(Double(d), Double(k)))
            let t = UnsafeMutablePointer<Double>.allocate(capacity: size)
            defer { t.deallocate() }
            for i in 0..<size { t[i] = rng.normal() }
            let xs = (0..<3).map { _ in rng.normals(d) }
            let before = xs.map { GaussianModelRealisation.fullContraction(t, degree: k, dimension: d, with: $0) }
            Symmetriser(degree: k, dimension: d).symmetrise(t)
            let after = xs.map { GaussianModelRealisation.fullContraction(t, degree: k, dimension: d, with: $0) }
            for (x, y) in zip(before, after) { XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(x))) }
            // Swapping the first two indices or the last two leaves T unchanged.
            for flat in 0..<size {
                var idx = [Int](repeating: 0, count: k)
                var r = flat
                for j in stride(from: k - 1, through: 0, by: -1) { idx[j] = r % d; r /= d }
                for (i, j) in [(0, 1), (k - 2, k - 1)] {
                    var s = idx
                    s.swapAt(i, j)
                    let other = s.reduce(0) { $0 * d + $1 }
                    XCTAssertEqual(t[flat], t[other], accuracy: 1e-15)
                }
            }
        }
    }

    /// The model has the covariances the DMFT assumes: over many samples μ at fixed W,
    /// `mean_μ g_μ(w_i) g_μ(w_j) → h(<w_i,w_j>)`, `mean_μ g_μ(w_i) y_μ → φ̂(<u,w_i>)`,
    /// `mean_μ y_μ² → τ² + ‖φ‖²`. Checked within 4.5 empirical standard errors
    /// (10 statistics; the chance that an exact model fails one is < 1e-4).
    func testModelCovariances() throws {
        let p = try tinyProblem()
        let d = 4, n = 40_000
        let real = try GaussianModelRealisation(problem: p, dimension: d, samples: n, seed: 17, initialSecondLayer: nil)
        // Put the w_i at sizeable overlaps with u and with each other to test h and φ̂ away from 0.
        let u = try XCTUnwrap(real.u)
        var w = [Double](repeating: 0, count: 3 * d)
        let rng = GaussianRandom(seed: 2)
        for i in 0..<3 {
            let z = rng.normals(d)
            var x = (0..<d).map { u[$0] * (i == 2 ? -0.3 : 0.8) + 0.6 * z[$0] }
            let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            x = x.map { $0 / norm }
            for l in 0..<d { w[i * d + l] = x[l] }
        }
        _ = real.riskAndGradient(a: [1, 1, 1], w: w)
        func check(_ values: [Double], _ expected: Double, _ what: String) {
            let r = Double(values.count)
            let mean = values.reduce(0, +) / r
            let se = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (r - 1) / r).squareRoot()
            XCTAssertLessThan(abs(mean - expected), 4.5 * se, "\(what): \(mean) ± \(se), expected \(expected)")
        }
        func overlap(_ i: Int, _ x: [Double]) -> Double { (0..<d).reduce(0) { $0 + w[i * d + $1] * x[$1] } }
        for i in 0..<3 {
            for j in i..<3 {
                let c = overlap(i, Array(w[(j * d)..<(j * d + d)]))
                check((0..<n).map { real.g[i * n + $0] * real.g[j * n + $0] }, p.covariance.h(c), "g_\(i) g_\(j)")
            }
            check((0..<n).map { real.g[i * n + $0] * real.y[$0] }, p.covariance.phiHat(overlap(i, u)), "g_\(i) y")
        }
        check((0..<n).map { real.y[$0] * real.y[$0] }, p.noise * p.noise + p.covariance.phiNorm2, "y²")
    }

    // MARK: - The simulator's contract

    func testDeterministicPerSeed() throws {
        let p = try pureNoiseProblem()
        let sim = GaussianModelSimulator(dimension: 20, step: 0.05, duration: 1, recordInterval: 0.25, seed: 42)
        let first = try sim.run(p, realisation: 3)
        XCTAssertEqual(first.names, FiniteWidthObservables.columns.map(\.rawValue))
        XCTAssertEqual(first.time, [0, 0.25, 0.5, 0.75, 1])
        XCTAssertTrue(first.isFinite)
        XCTAssertEqual(try sim.run(p, realisation: 3), first)
        XCTAssertNotEqual(try sim.run(p, realisation: 4), first)
        var other = sim
        other.seed = 43
        XCTAssertNotEqual(try other.run(p, realisation: 3), first)
        XCTAssertEqual(first[.secondLayer]![0], 1)
        XCTAssertEqual(first[.diagonalCorrelationToStart]![0], 1, accuracy: 1e-14)
        // The ensemble is the EnsembleAverage of the individual runs in realisation order,
        // whatever the scheduling.
        let ensemble = try sim.simulate(p, runs: 5)
        XCTAssertEqual(ensemble, EnsembleAverage.average(try (0..<5).map { try sim.run(p, realisation: $0) }))
        XCTAssertEqual(try sim.simulate(p, runs: 5), ensemble)
    }

    func testSecondLayerOptions() throws {
        let frozen = try TrainingProblem(
            width: 3, alpha: 0.5, noise: 1, covariance: CovarianceModel(h: [0.1, 0.5]),
            initialization: .meanField(a0: 1.5), trainSecondLayer: false)
        let sim = GaussianModelSimulator(dimension: 20, step: 0.05, duration: 1, recordInterval: 0.5, seed: 1)
        let t = try sim.run(frozen, realisation: 0)
        XCTAssertEqual(t[.secondLayer]!, [1.5, 1.5, 1.5])
        XCTAssertLessThan(t[.diagonalCorrelationToStart]!.last!, 1)   // the first layer moved
        let explicit = try sim.run(try pureNoiseProblem(), realisation: 0, initialSecondLayer: [2, -1, 0.5])
        XCTAssertEqual(explicit[.secondLayer]![0], 0.5, accuracy: 1e-15)
        XCTAssertEqual(explicit[.secondLayerL1]![0], 3.5 / 3, accuracy: 1e-15)
    }

    func testRejectsInvalidInput() throws {
        let p = try pureNoiseProblem()
        let good = GaussianModelSimulator(dimension: 20, step: 0.05, duration: 1, recordInterval: 0.25, seed: 1)
        func rejects(_ sim: GaussianModelSimulator, _ a0: [Double]? = nil, _ fragment: String) {
            XCTAssertThrowsError(try sim.run(p, realisation: 0, initialSecondLayer: a0)) { error in
                guard case DMFTError.invalidInput(let message) = error else {
                    return XCTFail("expected invalidInput, got \(error)")
                }
                XCTAssertTrue(message.contains(fragment), "message '\(message)' should mention '\(fragment)'")
            }
        }
        var s = good; s.dimension = 1; rejects(s, nil, "dimension")
        s = good; s.step = 0; rejects(s, nil, "step")
        s = good; s.step = .nan; rejects(s, nil, "step")
        s = good; s.duration = 1.01; rejects(s, nil, "whole number")
        s = good; s.recordInterval = 0.07; rejects(s, nil, "multiple")
        s = good; s.memoryLimitBytes = 1000; rejects(s, nil, "MB")
        rejects(good, [1, 1], "entries")
        rejects(good, [1, .infinity, 1], "non-finite")
        XCTAssertThrowsError(try good.simulate(p, runs: 0))
        // Tensor storage n (d + d²) doubles plus smaller work buffers.
        let n = good.sampleCount(p)
        XCTAssertEqual(n, 30)
        XCTAssertGreaterThanOrEqual(good.memoryPerRealisation(p), 8 * n * (20 + 400))
        XCTAssertLessThan(good.memoryPerRealisation(p), 8 * n * (20 + 400) * 2)
    }

    func testDivergenceIsReported() throws {
        let p = try pureNoiseProblem()
        let sim = GaussianModelSimulator(dimension: 10, step: 100, duration: 100_000, recordInterval: 100_000, seed: 1)
        XCTAssertThrowsError(try sim.run(p, realisation: 0)) { error in
            guard case DMFTError.diverged = error else { return XCTFail("expected diverged, got \(error)") }
        }
    }

    func testProgressAndCancellation() throws {
        let p = try pureNoiseProblem()
        let sim = GaussianModelSimulator(dimension: 10, step: 0.05, duration: 1, recordInterval: 0.5, seed: 1)
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var values: [Double] = []
        }
        let log = Log()
        _ = try sim.simulate(p, runs: 4, control: RunControl(progress: { f in log.lock.withLock { log.values.append(f) } }))
        XCTAssertEqual(log.values.last, 1)
        XCTAssertEqual(log.values, log.values.sorted())
        let single = Log()
        _ = try sim.run(p, realisation: 0, control: RunControl(progress: { f in single.lock.withLock { single.values.append(f) } }))
        XCTAssertEqual(single.values.last, 1)
        XCTAssertEqual(single.values, single.values.sorted())
        XCTAssertGreaterThan(single.values.count, 5)
        XCTAssertThrowsError(try sim.run(p, realisation: 0, control: RunControl(isCancelled: { true }))) { error in
            XCTAssertEqual(error as? DMFTError, .cancelled)
        }
        XCTAssertThrowsError(try sim.simulate(p, runs: 4, control: RunControl(isCancelled: { true }))) { error in
            XCTAssertEqual(error as? DMFTError, .cancelled)
        }
    }

    // MARK: - Agreement with the DMFT (the project's validation plan (§ 2))

    /// An observable at a time, with its measured finite-size bias: `sim − DMFT ≈ bias/d` once
    /// both are extrapolated to step 0 (see `compareWithDMFT`).
    struct Expectation {
        let name: String
        let time: Double
        let bias: Double
        var key: String { "\(name)@\(time)" }
    }

    /// Simulation minus DMFT at one dimension: `gap` (η → 0), its standard error, the expected `bias/d`.
    struct Gap {
        let gap: Double, se: Double, expected: Double
    }

    /// Compares realisations at each `(d, runs)` (GD step 0.02) with the uniform-Euler DMFT.
    ///
    /// Both sides are first order in the step with *different* constants, so each is extrapolated
    /// to step 0 before comparing: the DMFT by Richardson from η = 0.02 and 0.01
    /// (`2·x(0.01) − x(0.02)`; the solver is first order — its η = 0.02/0.01/0.005 values of
    /// a(3) in the pure-noise case are 1.134989/1.135559/1.135843, increments 5.7e-4 then 2.8e-4),
    /// GD likewise from the same realisations rerun at step 0.01 (a paired difference, so a
    /// handful of runs fixes it to ~1e-5; it is d-independent: −6.99e-4 at d = 50, −6.87e-4 at
    /// d = 100 for a(3)). Without this, a mismatch of up to 1.2e-3 (C_d(3,0): DMFT +4.0e-4,
    /// GD −1.9e-4 per halving) would masquerade as finite-d bias.
    ///
    /// Each mean is the regression (control-variate) estimate on the zero-mean covariates of
    /// `covariates(_:_:)`, which divides the standard error of a(t) by ≈ 2.5.
    /// Asserts, for every expectation, `|gap − bias/d| ≤ 4·se + 0.25·|bias|/d`: 4 standard
    /// errors of sampling, plus 25% of the measured bias for its own uncertainty and the
    /// 1/d² corrections (across d = 50, 100, 200 the measured d·gap varies by less than that
    /// wherever it is resolved). Also checks that the covariates have mean 0 (4.5 se).
    func compareWithDMFT(
        _ p: TrainingProblem, dimensions: [(d: Int, runs: Int)], seed: UInt64, expectations: [Expectation],
        pairedRuns: Int = 24
    ) throws -> [Int: [String: Gap]] {
        let dmft02 = try UniformEulerSolver(step: 0.02, duration: 3).solve(p).trajectory
        let dmft01 = try UniformEulerSolver(step: 0.01, duration: 3).solve(p).trajectory
        var dmft0: [String: Double] = [:]
        for e in expectations {
            let coarse = dmft02.value(e.name, at: e.time)!, fine = dmft01.value(e.name, at: e.time)!
            dmft0[e.key] = 2 * fine - coarse
        }
        var gdShift: [String: Double] = [:]
        var result: [Int: [String: Gap]] = [:]
        for (index, (d, runs)) in dimensions.enumerated() {
            let sim = GaussianModelSimulator(dimension: d, step: 0.02, duration: 3, recordInterval: 1, seed: seed)
            let samples = try Self.sampleRuns(sim, p, runs: runs)
            let x = samples.map(\.covariates)
            for j in 0..<x[0].count {
                let e = Self.estimate(x.map { $0[j] }, x)
                XCTAssertLessThan(abs(e.mean), 4.5 * e.se, "d = \(d): covariate X\(j + 1) = \(e.mean) ± \(e.se) should have mean 0")
            }
            if index == 0 {
                var fine = sim
                fine.step = 0.01
                let fineSamples = try Self.sampleRuns(fine, p, runs: pairedRuns)
                for e in expectations {
                    let coarse = Self.column(Array(samples.prefix(pairedRuns)), e.name, at: e.time)
                    let diff = zip(coarse, Self.column(fineSamples, e.name, at: e.time)).map { $0 - $1 }
                    gdShift[e.key] = diff.reduce(0, +) / Double(diff.count)
                }
            }
            var gaps: [String: Gap] = [:]
            for e in expectations {
                let estimate = Self.estimate(Self.column(samples, e.name, at: e.time), x)
                let gap = (estimate.cvMean - 2 * gdShift[e.key]!) - dmft0[e.key]!
                let expected = e.bias / Double(d)
                gaps[e.key] = Gap(gap: gap, se: estimate.cvSe, expected: expected)
                if ProcessInfo.processInfo.environment["DMFT_VERBOSE"] == "1" {
                    print(String(format: "d = %d R = %d %@: sim − DMFT = %+.5f ± %.5f (raw se %.5f), bias/d %+.5f, tolerance %.5f",
                                 d, runs, e.key, gap, estimate.cvSe, estimate.se, expected,
                                 4 * estimate.cvSe + 0.25 * abs(expected)))
                }
                XCTAssertLessThan(
                    abs(gap - expected), 4 * estimate.cvSe + 0.25 * abs(expected),
                    String(format: "d = %d, %@(t = %.0f): sim − DMFT = %+.5f ± %.5f, measured finite-d bias %+.5f",
                           d, e.name, e.time, gap, estimate.cvSe, expected))
            }
            result[d] = gaps
        }
        return result
    }

    /// the project's validation plan (§ 2) at CI size: m = 3, ᾱ = 1.5, τ = 1, a₀ = 1, h = 0.1q + 0.5q², pure noise,
    /// GD step 0.02, t ≤ 3, d = 50 (300 realisations) and d = 100 (120 realisations).
    ///
    /// The biases are d·(sim − DMFT) measured by `testLongValidationTable` (seed 2025, 2000/1000/400
    /// realisations at d = 50/100/200; this test uses seed 7, i.e. independent data), fitted
    /// over the three d: e.g. a(3): −0.557 ± 0.021, −0.521 ± 0.040, −0.376 ± 0.082 → −0.540.
    /// Standard errors here (control variates): a(3) ≈ 1.1e-3 at both d, against gaps
    /// −1.1e-2 (d = 50) and −5.4e-3 (d = 100).
    func testPureNoiseAgreesWithDMFT() throws {
        let expectations = [
            Expectation(name: "a", time: 1, bias: -0.176), Expectation(name: "a", time: 2, bias: -0.380),
            Expectation(name: "a", time: 3, bias: -0.540),
            Expectation(name: "Cd_t0", time: 1, bias: 0.067), Expectation(name: "Cd_t0", time: 2, bias: 0.227),
            Expectation(name: "Cd_t0", time: 3, bias: 0.365),
            Expectation(name: "e_train", time: 1, bias: 0.249), Expectation(name: "e_train", time: 2, bias: 0.411),
            Expectation(name: "e_train", time: 3, bias: 0.496),
            Expectation(name: "e_test", time: 3, bias: 0.220),
        ]
        let gaps = try compareWithDMFT(
            pureNoiseProblem(), dimensions: [(50, 300), (100, 120)], seed: 7, expectations: expectations)
        // The gap shrinks with d. Tested where the expected shrinkage |bias|·(1/50 − 1/100)
        // exceeds 3 standard errors of the difference (a(3): 5.4e-3 against 3 × 1.6e-3).
        var tested = 0
        for e in expectations {
            guard let g50 = gaps[50]?[e.key], let g100 = gaps[100]?[e.key] else { continue }
            let seDifference = (g50.se * g50.se + g100.se * g100.se).squareRoot()
            guard abs(e.bias) * (1.0 / 50 - 1.0 / 100) > 3 * seDifference else { continue }
            tested += 1
            XCTAssertLessThan(
                abs(g100.gap), abs(g50.gap),
                "\(e.key): |sim − DMFT| should shrink from d = 50 (\(g50.gap) ± \(g50.se)) to d = 100 (\(g100.gap) ± \(g100.se))")
        }
        XCTAssertGreaterThanOrEqual(tested, 1, "a(3) at least must resolve the 1/d shrinkage")
    }

    /// Single index at moderate d: `h = φ̂ = 0.5q + 0.5q²`, ‖φ‖² = 1, m = 3, α = 0.5, τ = 0.5,
    /// a₀ = 1, d = 100, 100 realisations. The overlap v(t) fluctuates strongly between
    /// realisations (sd ≈ 0.08 at d = 100, ≈ 0.044 after regressing on v(0)), so the standard
    /// error of v(3) is ≈ 4.4e-3 and the check is loose: ≈ 5% of v(3) = 0.37.
    /// Biases measured by `testLongValidationTable` (seed 2025: 1000/400/150 realisations at
    /// d = 50/100/200; seed 2026: 300 at d = 200), fitted over all four: d·(sim − DMFT) for v(3):
    /// −1.00 ± 0.10, −1.36 ± 0.22, −0.32 ± 0.47, −1.37 ± 0.34 → −1.06.
    func testSingleIndexOverlapAgreesWithDMFT() throws {
        let expectations = [
            Expectation(name: "v", time: 1, bias: -0.367), Expectation(name: "v", time: 2, bias: -0.786),
            Expectation(name: "v", time: 3, bias: -1.059),
            Expectation(name: "a", time: 3, bias: -0.439),
            Expectation(name: "e_test", time: 3, bias: -0.751),
        ]
        _ = try compareWithDMFT(
            singleIndexProblem(), dimensions: [(100, 100)], seed: 7, expectations: expectations, pairedRuns: 8)
    }

    // MARK: - Long validation (DMFT_LONG_VALIDATION=1)

    /// The the project's validation plan (§ 2) comparison at d = 50, 100, 200 with many realisations; prints the
    /// table (raw and control-variate means, DMFT at η = 0.02/0.01, gaps at η = 0.02 and
    /// extrapolated to η → 0, d·gap). Off by default: ≈ 10–25 min on 2 cores with the defaults.
    /// Environment: `DMFT_LV_DIMS` (default 50,100,200), `DMFT_LV_RUNS` (2000,1000,500),
    /// `DMFT_LV_PAIRED` (realisations rerun at η = 0.01, 400), `DMFT_LV_PAIRED_MAX_D` (100),
    /// `DMFT_LV_SEED` (2025), `DMFT_LV_PROBLEM=single` for the single-index problem.
    func testLongValidationTable() throws {
        guard ProcessInfo.processInfo.environment["DMFT_LONG_VALIDATION"] == "1" else {
            throw XCTSkip("set DMFT_LONG_VALIDATION=1 to run the d = 50/100/200 comparison")
        }
        let env = ProcessInfo.processInfo.environment
        let dims = (env["DMFT_LV_DIMS"] ?? "50,100,200").split(separator: ",").map { Int($0)! }
        let runsList = (env["DMFT_LV_RUNS"] ?? "2000,1000,500").split(separator: ",").map { Int($0)! }
        let pairedRuns = Int(env["DMFT_LV_PAIRED"] ?? "400")!
        let singleIndex = env["DMFT_LV_PROBLEM"] == "single"
        let seed = UInt64(env["DMFT_LV_SEED"] ?? "2025")!
        let p = try singleIndex ? singleIndexProblem() : pureNoiseProblem()
        // Unbuffered, so progress is visible when the output goes to a file.
        func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        let dm02 = try UniformEulerSolver(step: 0.02, duration: 3).solve(p).trajectory
        let dm01 = try UniformEulerSolver(step: 0.01, duration: 3).solve(p).trajectory
        let dm005 = try UniformEulerSolver(step: 0.005, duration: 3).solve(p).trajectory
        let names = (singleIndex ? ["v"] : []) + ["a", "Cd_t0", "Co_tt", "e_train", "e_test"]
        let times = [1.0, 2.0, 3.0]
        say("DMFT (η = 0.02 / 0.01 / 0.005):")
        for name in names {
            for t in times {
                say(String(format: "  %@ t=%.0f  %.6f  %.6f  %.6f", name, t, dm02.value(name, at: t)!,
                             dm01.value(name, at: t)!, dm005.value(name, at: t)!))
            }
        }
        // GD's own O(η) shift, from the same realisations at η = 0.01 (paired; measured at the
        // smaller dimensions and reused above them — it is d-independent to the precision shown).
        var gdShift: [String: Double] = [:]
        let maxPairedDimension = Int(env["DMFT_LV_PAIRED_MAX_D"] ?? "100")!
        for (index, d) in dims.enumerated() {
            let runs = runsList[index]
            let sim = GaussianModelSimulator(dimension: d, step: 0.02, duration: 3, recordInterval: 1, seed: seed)
            let start = Date()
            let samples = try Self.sampleRuns(sim, p, runs: runs)
            let elapsed = Date().timeIntervalSince(start)
            say(String(format: "d = %d, n = %d, R = %d realisations, %.1f s", d, sim.sampleCount(p), runs, elapsed))
            let x = samples.map(\.covariates)
            for j in 0..<x[0].count {
                let e = Self.estimate(x.map { $0[j] }, x)
                say(String(format: "  covariate X%d mean %.2e ± %.2e (should be 0)", j + 1, e.mean, e.se))
            }
            if d <= maxPairedDimension && pairedRuns > 0 {
                let pr = min(pairedRuns, runs)
                let fine = GaussianModelSimulator(dimension: d, step: 0.01, duration: 3, recordInterval: 1, seed: seed)
                let fineSamples = try Self.sampleRuns(fine, p, runs: pr)
                for name in names {
                    for t in times {
                        let diff = zip(Self.column(Array(samples.prefix(pr)), name, at: t), Self.column(fineSamples, name, at: t))
                            .map { $0 - $1 }
                        let e = Self.estimate(diff, Array(x.prefix(pr)))
                        gdShift["\(name)@\(t)"] = e.mean
                        say(String(format: "  GD η=0.02 − η=0.01 (paired, R=%d): %@ t=%.0f  %+.6f ± %.6f", pr, name, t, e.mean, e.se))
                    }
                }
            }
            say("  name t | sim mean ± se (raw) | sim ± se (control variates) | DMFT η=.02 | DMFT η=.01 | gap(η=.02) | gap(η→0) | d·gap(η→0)")
            for name in names {
                for t in times {
                    let e = Self.estimate(Self.column(samples, name, at: t), x)
                    let d02 = dm02.value(name, at: t)!, d01 = dm01.value(name, at: t)!
                    let shift = gdShift["\(name)@\(t)"] ?? .nan
                    let gap0 = (e.cvMean - 2 * shift) - (2 * d01 - d02)
                    say(String(format:
                        "  %@ %.0f | %.5f ± %.5f | %.5f ± %.5f | %.5f | %.5f | %+.5f (%+.2f%%) | %+.5f | %+.3f",
                        name, t, e.mean, e.se, e.cvMean, e.cvSe, d02, d01, e.cvMean - d02,
                        100 * (e.cvMean - d02) / abs(d02), gap0, Double(d) * gap0))
                }
            }
        }
    }
}
