import Foundation
import XCTest

@testable import DMFT

/// The fixed-ᾱ infinite-width limit (`InfiniteWidthLimit`) checked against the full symmetric
/// DMFT at growing width, its own order in the step, its invariants, and its refusals.
final class InfiniteWidthLimitTests: XCTestCase {
    let paperH = [0.9, 0, 1.0 / 6]
    let alphaBar = 3.0

    /// Single index `h = φ̂ = 0.9q + q³/6`, τ = 0.5, a₀ = 1, α = ᾱ/m.
    func singleIndex(width m: Int) throws -> TrainingProblem {
        try TrainingProblem(
            width: m, alpha: alphaBar / Double(m), noise: 0.5,
            covariance: CovarianceModel(h: paperH, phiHat: paperH), initialization: .meanField(a0: 1))
    }

    /// Pure noise with the same h, τ = 0.5, a₀ = 1, α = ᾱ/m.
    func pureNoise(width m: Int) throws -> TrainingProblem {
        try TrainingProblem(
            width: m, alpha: alphaBar / Double(m), noise: 0.5, covariance: CovarianceModel(h: paperH),
            initialization: .meanField(a0: 1))
    }

    /// `2·u(η/2) − u(η)` of the limit solver on the coarse grid.
    func extrapolatedLimit(_ p: TrainingProblem, step: Double, duration: Double) throws -> Trajectory {
        let coarse = try InfiniteWidthLimit(step: step, duration: duration).solve(p)
        let fine = try InfiniteWidthLimit(step: step / 2, duration: duration).solve(p)
        var result = Trajectory(names: InfiniteWidthLimit.columns)
        for (k, t) in coarse.time.enumerated() {
            result.append(result.names.map { $0 == "t" ? t : 2 * fine.value($0, at: t)! - coarse[$0]![k] })
        }
        return result
    }

    func clock<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = Date()
        let value = try body()
        return (value, Date().timeIntervalSince(start))
    }

    /// Largest |u − reference| over the grid of `reference`, with `u` read at time `scale·T`
    /// (and multiplied by `factor`).
    func gap(_ u: Trajectory, _ reference: Trajectory, _ column: String, scale: Double = 1, factor: Double = 1)
        -> Double
    {
        zip(reference.time, reference[limitColumn(column)]!)
            .map { abs(factor * u.value(column, at: scale * $0)! - $1) }.max()!
    }

    /// The limit's name for a column of the full DMFT (ν̄ = mν is `m_nu`).
    func limitColumn(_ column: String) -> String { column == "nu" ? "m_nu" : column }

    // MARK: 1. convergence of the full DMFT to the limit

    /// SymmDMFT at m = 10, 20, 40, 80 with α = ᾱ/m (uniform Euler at step mη in t, extrapolated
    /// in the step, to t = m·T_max) against the limit (extrapolated in η) at common T = t/m,
    /// for a single-index and a pure-noise problem. The full DMFT is polynomial in p = 1/m and
    /// α = ᾱ/m, so the gap is c₁/m + c₂/m² + …: it must halve per doubling of m. With
    /// g(m) = c₁/m (1 + ε/m), the ratio is 2(1 + ε/(2m)) + O(m⁻²); [1.8, 2.3] allows |ε| ≲ 3
    /// at m = 10 (measured: ratios 1.9–2.1, closer to 2 as m grows). A wrong O(1) term would
    /// leave a gap that does not shrink. Second check: the Richardson value 2u(2m) − u(m)
    /// is O(1/m²) from the limit, far below the O(1/m) gap. Both references are second order
    /// (η = 0.02 in T), their errors ≲ 1e-4, well below the gaps (≥ 4e-3 at m = 80).
    /// The `nu` column of the full DMFT is ν; the limit reports ν̄ = mν.
    func testApproachesSymmetricDMFTAsWidthGrows() throws {
        let step = 0.02, duration = 3.0
        let widths = [10, 20, 40, 80]
        let cases: [(String, (Int) throws -> TrainingProblem, [String])] = [
            ("single index", singleIndex, ["a", "v", "e_train", "e_test", "Cd_t0", "Co_tt", "nu"]),
            ("pure noise", pureNoise, ["a", "e_train", "e_test", "Cd_t0", "Co_tt", "nu"]),
        ]
        for (name, make, columns) in cases {
            let (limit, seconds) = try clock { try extrapolatedLimit(make(1), step: step, duration: duration) }
            print("\(name): limit (η = \(step), \(step / 2), T_max = \(duration)) in \(fmt(seconds)) s; at T = 3: "
                  + columns.map { "\($0) \(fmt(limit.value(limitColumn($0), at: duration)!))" }.joined(separator: ", "))
            var finite: [Trajectory] = []
            for m in widths {
                let (u, seconds) = try clock {
                    try extrapolatedUniform(make(m), step: Double(m) * step, duration: Double(m) * duration)
                }
                print("\(name): SymmDMFT m = \(m) to t = \(Int(Double(m) * duration)) in \(fmt(seconds)) s")
                finite.append(u)
            }
            for column in columns {
                let gaps = zip(widths, finite).map { m, u in
                    gap(u, limit, column, scale: Double(m), factor: column == "nu" ? Double(m) : 1)
                }
                let ratios = zip(gaps, gaps.dropFirst()).map { $0 / $1 }
                // Richardson in m from the two widest runs, at every grid time.
                let (m1, m2) = (Double(widths[widths.count - 2]), Double(widths.last!))
                let (u1, u2) = (finite[finite.count - 2], finite.last!)
                let richardson = zip(limit.time, limit[limitColumn(column)]!).map { T, y in
                    let f = column == "nu" ? (m1, m2) : (1, 1)
                    return abs(2 * f.1 * u2.value(column, at: m2 * T)! - f.0 * u1.value(column, at: m1 * T)! - y)
                }.max()!
                print("\(name), \(column): max gap over T ≤ 3 for m = \(widths): \(gaps.map(fmt)); ratios \(ratios.map(fmt)); "
                      + "|2u(80) − u(40) − limit| = \(fmt(richardson))")
                for ratio in ratios { XCTAssertTrue((1.8...2.3).contains(ratio), "\(name), \(column): ratios \(ratios)") }
                // The O(1/m) coefficient: ᾱa₀²h'(1) = 4.2 for ν at T = 0 (the δ part of R_A in M^R_d),
                // a₀²h(1)/2 ≈ 0.53 for the errors at T = 0, below 0.8 for the others.
                XCTAssertLessThan(Double(widths.last!) * gaps.last!, column == "nu" ? 4.3 : 1, "\(name), \(column)")
                XCTAssertLessThan(richardson, 0.2 * gaps.last!, "\(name), \(column)")
            }
        }
    }

    /// The discrete scheme is the m → ∞ limit of the uniform SymmDMFT scheme at step mη in t
    /// (same X, C_A and Euler updates term by term): without any extrapolation, the gap at a
    /// fixed, coarse η shrinks like 1/m too.
    func testIsTheLimitOfTheUniformSchemeAtStepMEta() throws {
        let step = 0.05, duration = 3.0
        var previous: Double? = nil
        for m in [20, 40, 80] {
            let u = try UniformEulerSolver(step: Double(m) * step, duration: Double(m) * duration)
                .solve(singleIndex(width: m)).trajectory
            let limit = try InfiniteWidthLimit(step: step, duration: duration).solve(singleIndex(width: m))
            let g = ["a", "v", "e_train", "e_test", "Cd_t0", "Co_tt"].map { gap(u, limit, $0, scale: Double(m)) }.max()!
            print("uniform scheme at step mη = \(Double(m) * step), m = \(m): max gap \(fmt(g))"
                  + (previous.map { ", ratio \(fmt($0 / g))" } ?? ""))
            if let previous { XCTAssertTrue((1.8...2.3).contains(previous / g), "m = \(m): ratio \(previous / g)") }
            previous = g
        }
    }

    /// As ᾱ → ∞ (infinitely many samples per dimension) the limit becomes population gradient
    /// flow, the mean-field ODE (arXiv:2502.21269) at α = ᾱ in the time T (C_o(T,T) → v²),
    /// with a gap O(1/ᾱ) on the scale ᾱT = O(1): a check of the limit system independent of
    /// SymmDMFT. Measured ratios per doubling of ᾱ 1.79–2.0 (the 1/ᾱ² term is still visible).
    func testLargeAlphaBarApproachesMeanFieldODE() throws {
        var previous: [String: Double] = [:]
        for alphaBar in [10.0, 20.0, 40.0] {
            let p = try TrainingProblem(
                width: 1, alpha: alphaBar, noise: 0.5, covariance: CovarianceModel(h: paperH, phiHat: paperH),
                initialization: .meanField(a0: 1))
            let (sMax, ds) = (4.0, 0.02)   // in ᾱT
            let (limit, seconds) = try clock {
                try extrapolatedLimit(p, step: ds / alphaBar, duration: sMax / alphaBar)
            }
            let ode = try MeanFieldODE(duration: sMax / alphaBar, outputInterval: ds / alphaBar).solve(p)
            var line: [String] = []
            for column in ["a", "v", "e_train", "e_test", "Co_tt"] {
                let g = zip(limit.time, limit[column]!).map { T, y in
                    abs(y - (column == "Co_tt" ? pow(ode.value("v", at: T)!, 2) : ode.value(column, at: T)!))
                }.max()!
                line.append("\(column) \(fmt(g))")
                XCTAssertLessThan(g, 2 / alphaBar, "ᾱ = \(alphaBar), \(column)")
                if let before = previous[column] {
                    XCTAssertTrue((1.6...2.3).contains(before / g), "ᾱ = \(alphaBar), \(column): ratio \(before / g)")
                }
                previous[column] = g
            }
            print("ᾱ = \(alphaBar) (limit in \(fmt(seconds)) s), max gap to the mean-field ODE for ᾱT ≤ 4: "
                  + line.joined(separator: ", "))
        }
    }

    // MARK: 2. order in the step

    /// Differences between successive halvings of η shrink by ≈ 2 (first order).
    func testFirstOrderInStep() throws {
        for (name, p) in [("single index", try singleIndex(width: 1)), ("pure noise", try pureNoise(width: 1))] {
            let (runs, seconds) = try clock {
                try [0.02, 0.01, 0.005, 0.0025].map { try InfiniteWidthLimit(step: $0, duration: 3).solve(p) }
            }
            print("\(name): four runs to T = 3 (N = 150 … 1200) in \(fmt(seconds)) s")
            for column in ["a", "v", "e_train", "e_test", "Cd_t0", "Co_tt", "m_nu"] where !(name == "pure noise" && column == "v") {
                // Successive differences on the coarsest grid.
                let d = (0..<3).map { i in
                    runs[0].time.map { abs(runs[i + 1].value(column, at: $0)! - runs[i].value(column, at: $0)!) }.max()!
                }
                let ratio = d[1] / d[2]
                print("\(name), \(column): max |u(η/2) − u(η)| for η = 0.02, 0.01, 0.005: \(d.map(fmt)), "
                      + "ratios \(fmt(d[0] / d[1])), \(fmt(ratio))")
                XCTAssertTrue((1.7...2.3).contains(ratio), "\(name), \(column): \(ratio)")
            }
        }
    }

    // MARK: 3. invariants

    func testInvariants() throws {
        let p = try singleIndex(width: 1)
        let (traj, tt) = try InfiniteWidthLimit(step: 0.05, duration: 3).solveWithTwoTimeFunctions(p)
        XCTAssertEqual(traj.names, InfiniteWidthLimit.columns)
        XCTAssertFalse(traj.names.contains("gamma"))
        let e0 = 0.5 * (p.noise * p.noise + p.covariance.phiNorm2)
        XCTAssertEqual(traj[.trainError]![0], e0, accuracy: 1e-14)
        XCTAssertEqual(traj[.testError]![0], e0, accuracy: 1e-14)
        XCTAssertEqual(traj[.secondLayer]![0], 1)
        XCTAssertEqual(traj[.overlap]![0], 0)
        let n = tt.times.count
        XCTAssertEqual(n, 61)
        var diagonalDrift = 0.0
        for k in 0..<n {
            // C_d(T,T) = 1 is not imposed: it is kept by ν̄, to rounding (stronger than O(η)).
            diagonalDrift = max(diagonalDrift, abs(tt.diagonalCorrelation[k][k] - 1))
            XCTAssertEqual(tt.diagonalResponse[k][k], 0)
            XCTAssertEqual(tt.offDiagonalResponse[k][k], 0)
            XCTAssertEqual(tt.residualResponseTimesStep[k][k], 1)
            if k > 0 {
                XCTAssertEqual(tt.diagonalResponse[k][k - 1], 1, accuracy: 1e-15)   // the jump of R_d
                XCTAssertEqual(tt.offDiagonalResponse[k][k - 1], 0, accuracy: 1e-15)
            }
            XCTAssertTrue(tt.diagonalCorrelation[k].allSatisfy { abs($0) <= 1 + 1e-12 })
            let coTT = tt.offDiagonalCorrelation[k][k]
            XCTAssertTrue(coTT >= 0 && coTT <= 1, "C_o(T,T) = \(coTT)")
            XCTAssertEqual(coTT, traj[.offDiagonalCorrelation]![k])
        }
        print("max |C_d(T,T) − 1| = \(diagonalDrift)")
        XCTAssertLessThan(diagonalDrift, 1e-12)
        // C̄_A row by row (BLAS) equals −X Σ_C Xᵀ computed naively.
        let x = tt.residualResponseTimesStep
        func sigmaC(_ i: Int, _ j: Int) -> Double { i >= j ? tt.sigmaC[i][j] : tt.sigmaC[j][i] }
        func xAt(_ i: Int, _ j: Int) -> Double { j <= i ? x[i][j] : 0 }
        for k in stride(from: 0, to: n, by: 7) {
            for l in stride(from: 0, through: k, by: 5) {
                var direct = 0.0
                for i in 0..<n { for j in 0..<n { direct -= xAt(k, i) * sigmaC(i, j) * xAt(l, j) } }
                XCTAssertEqual(tt.residualCorrelation[k][l], direct, accuracy: 1e-12 * max(1, abs(direct)))
            }
        }
        XCTAssertTrue(traj[.trainError]!.allSatisfy { $0 >= 0 })
        // Frozen second layer: a stays at a₀; pure noise: v stays 0.
        var frozen = p
        frozen.trainSecondLayer = false
        XCTAssertTrue(try InfiniteWidthLimit(step: 0.05, duration: 2).solve(frozen)[.secondLayer]!.allSatisfy { $0 == 1 })
        XCTAssertTrue(try InfiniteWidthLimit(step: 0.05, duration: 2).solve(pureNoise(width: 5))[.overlap]!
            .allSatisfy { $0 == 0 })
        // Only ᾱ = αm matters, not m and α separately.
        let a = try InfiniteWidthLimit(step: 0.05, duration: 2).solve(singleIndex(width: 1))
        let b = try InfiniteWidthLimit(step: 0.05, duration: 2).solve(singleIndex(width: 37))
        XCTAssertEqual(gap(a, b, "e_train"), 0, accuracy: 1e-12)
    }

    // MARK: 4. refusals

    func testRefusesBadInput() throws {
        let p = try singleIndex(width: 10)
        func refuses(_ solver: InfiniteWidthLimit, _ problem: TrainingProblem, _ fragment: String,
                     line: UInt = #line) {
            XCTAssertThrowsError(try solver.solve(problem), line: line) { error in
                guard case DMFTError.invalidInput(let message) = error else {
                    return XCTFail("expected invalidInput, got \(error)", line: line)
                }
                XCTAssertTrue(message.contains(fragment), "\(message)", line: line)
            }
        }
        let lazy = try TrainingProblem(
            width: 10, alpha: 0.3, noise: 0.5, covariance: CovarianceModel(h: paperH), initialization: .lazy(gamma0: 1))
        refuses(InfiniteWidthLimit(step: 0.05, duration: 1), lazy, "mean-field")
        refuses(InfiniteWidthLimit(step: 0, duration: 1), p, "step")
        refuses(InfiniteWidthLimit(step: -0.1, duration: 1), p, "step")
        refuses(InfiniteWidthLimit(step: .nan, duration: 1), p, "step")
        refuses(InfiniteWidthLimit(step: 0.05, duration: 0), p, "duration")
        refuses(InfiniteWidthLimit(step: 0.05, duration: .infinity), p, "duration")
        refuses(InfiniteWidthLimit(step: 1e-9, duration: 10), p, "steps")
        var small = InfiniteWidthLimit(step: 0.001, duration: 10)
        small.memoryLimitBytes = 1e8
        refuses(small, p, "MB")
        var bad = p
        bad.alpha = -1
        refuses(InfiniteWidthLimit(step: 0.05, duration: 1), bad, "alpha")
        // Cancellation.
        XCTAssertThrowsError(try InfiniteWidthLimit(step: 0.05, duration: 1).solve(
            p, control: RunControl(isCancelled: { true }))) { XCTAssertEqual($0 as? DMFTError, .cancelled) }
    }

    /// Far beyond the explicit stability limit the run stops with `.diverged` and advice,
    /// instead of returning NaN.
    func testDivergenceIsReported() throws {
        let p = try TrainingProblem(
            width: 1, alpha: 20, noise: 0.5, covariance: CovarianceModel(h: paperH, phiHat: paperH),
            initialization: .meanField(a0: 1))
        let suggested = InfiniteWidthLimit.suggestedStep(for: p)
        XCTAssertEqual(suggested, 0.5 / (2 * 20 * 0.9), accuracy: 1e-15)
        XCTAssertNoThrow(try InfiniteWidthLimit(step: suggested, duration: 1).solve(p))
        XCTAssertThrowsError(try InfiniteWidthLimit(step: 10 * suggested, duration: 20).solve(p)) { error in
            guard case DMFTError.diverged(let message) = error else { return XCTFail("expected diverged, got \(error)") }
            print("diverged: \(message)")
            XCTAssertTrue(message.contains("step ≤"), message)
        }
    }
}
