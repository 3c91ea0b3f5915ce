import Foundation
import XCTest

@testable import DMFT

/// The grouped DMFT (`GroupedKernels`, `GroupedGridStepper`) against things independent of it:
/// the symmetric solver (K = 1, a symmetric start split into groups, the per-neuron form at
/// equal a_i(0)), the same start described with other groupings (per neuron against grouped,
/// groups relabelled), the closed-form error at t = 0, and GD on the Gaussian-process model.
final class GroupedDMFTTests: XCTestCase {
    /// Single index (so the v and φ̂ terms are exercised), `h = φ̂ = 0.5q + 0.3q² + 0.2q³`.
    func singleIndex(width: Int, _ initialization: Initialization) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 0.4, noise: 0.5,
            covariance: CovarianceModel(h: [0.5, 0.3, 0.2], phiHat: [0.4, 0.2]), initialization: initialization)
    }

    /// Pure noise, the paper's appendix D.3 covariance `h = 0.1q + 0.5q²`, τ = 1, ᾱ = 1.5.
    func pureNoise(width: Int, _ initialization: Initialization) throws -> TrainingProblem {
        try TrainingProblem(
            width: width, alpha: 1.5 / Double(width), noise: 1, covariance: CovarianceModel(h: [0.1, 0.5]),
            initialization: initialization)
    }

    func solve(_ p: TrainingProblem, step: Double = 0.05, duration: Double = 4) throws -> Trajectory {
        try UniformEulerSolver(step: step, duration: duration).solve(p).trajectory
    }

    /// Largest |x − y| over rows and the given columns, scaled by max(1, |y|).
    func largestDifference(_ x: Trajectory, _ y: Trajectory, columns: [String]) -> Double {
        XCTAssertEqual(x.count, y.count)
        var worst = 0.0
        for c in columns {
            guard let a = x[c], let b = y[c] else {
                XCTFail("column \(c) missing")
                continue
            }
            for (u, v) in zip(a, b) { worst = max(worst, abs(u - v) / max(1, abs(v))) }
        }
        return worst
    }

    let shared = ["t", "e_train", "e_test", "a", "gamma", "v", "Cd_t0", "Co_tt", "nu"]

    // MARK: Reductions to the symmetric DMFT

    /// K = 1 is the symmetric DMFT: the same sums in another order, so equal to rounding. 80 steps
    /// of O(10²) terms each accumulate relative rounding of order 1e-14; the bound 1e-12 leaves
    /// room for that and would catch any wrong weight (which changes the values at O(η) ≈ 1e-2).
    func testOneGroupIsTheSymmetricDMFT() throws {
        let symmetric = try solve(singleIndex(width: 5, .meanField(a0: 1.2)))
        let grouped = try solve(singleIndex(width: 5, .groups(InitialGroups(sizes: [5], secondLayer: [1.2]))))
        XCTAssertLessThan(largestDifference(grouped, symmetric, columns: shared), 1e-12)
        for (x, y) in zip(grouped["a_g1"]!, symmetric["a"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        for (x, y) in zip(grouped["Co_tt_g1_g1"]!, symmetric["Co_tt"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
    }

    /// A symmetric start split into groups (equal 3 + 3, unequal 2 + 3) is still the symmetric
    /// DMFT, every group following it; same rounding bound as above.
    func testSymmetricStartSplitIntoGroups() throws {
        for sizes in [[3, 3], [2, 3]] {
            let m = sizes.reduce(0, +)
            let symmetric = try solve(singleIndex(width: m, .meanField(a0: 1.2)))
            let split = InitialGroups(sizes: sizes, secondLayer: [1.2, 1.2])
            let grouped = try solve(singleIndex(width: m, .groups(split)))
            XCTAssertLessThan(largestDifference(grouped, symmetric, columns: shared), 1e-12, "sizes \(sizes)")
            for g in 1...2 {
                for (x, y) in zip(grouped["a_g\(g)"]!, symmetric["a"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
                for (x, y) in zip(grouped["v_g\(g)"]!, symmetric["v"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            }
            for (x, y) in zip(grouped["Co_tt_g1_g2"]!, symmetric["Co_tt"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        }
    }

    /// The full per-neuron form (m_k = 1) at m = 3 with equal a_i(0) is the symmetric DMFT.
    func testPerNeuronFormAtEqualStartIsTheSymmetricDMFT() throws {
        let symmetric = try solve(singleIndex(width: 3, .meanField(a0: 0.9)))
        let perNeuron = try solve(singleIndex(width: 3, .groups(InitialGroups(perNeuron: [0.9, 0.9, 0.9]))))
        XCTAssertLessThan(largestDifference(perNeuron, symmetric, columns: shared), 1e-12)
        for (g, h) in [(1, 2), (1, 3), (2, 3)] {
            for (x, y) in zip(perNeuron["Co_tt_g\(g)_g\(h)"]!, symmetric["Co_tt"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        }
    }

    // MARK: Unequal starts described two ways

    /// a(0) = (1, 1, −0.5, −0.5, −0.5) as two groups and as five one-neuron groups: the per-neuron
    /// system carries every pair separately and its symmetry is not imposed, so agreement tests
    /// the pair counts n_gh and c^k_gh of the grouped one. Relabelling the groups (the −0.5 group
    /// first) must give the same averages. Single index with v(0) = (0.3, −0.2), and also frozen.
    func testGroupedEqualsPerNeuronAndRelabelled() throws {
        for frozen in [false, true] {
            func problem(_ groups: InitialGroups) throws -> TrainingProblem {
                var p = try singleIndex(width: 5, .groups(groups))
                p.trainSecondLayer = !frozen
                try p.validate()
                return p
            }
            let grouped = try solve(problem(InitialGroups(sizes: [2, 3], secondLayer: [1, -0.5], overlap: [0.3, -0.2])))
            let perNeuron = try solve(problem(InitialGroups(
                perNeuron: [1, 1, -0.5, -0.5, -0.5], overlap: [0.3, 0.3, -0.2, -0.2, -0.2])))
            let relabelled = try solve(problem(InitialGroups(sizes: [3, 2], secondLayer: [-0.5, 1], overlap: [-0.2, 0.3])))
            let averages = shared + ["a_l1"]
            XCTAssertLessThan(largestDifference(perNeuron, grouped, columns: averages), 1e-12)
            XCTAssertLessThan(largestDifference(relabelled, grouped, columns: averages), 1e-12)
            for (x, y) in zip(perNeuron["a_g5"]!, grouped["a_g2"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            for (x, y) in zip(perNeuron["Co_tt_g1_g2"]!, grouped["Co_tt_g1_g1"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            for (x, y) in zip(perNeuron["Co_tt_g2_g4"]!, grouped["Co_tt_g1_g2"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            for (x, y) in zip(relabelled["v_g1"]!, grouped["v_g2"]!) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            // The groups really move apart (the check is not vacuous).
            XCTAssertGreaterThan(abs(grouped["v_g1"]!.last! - grouped["v_g2"]!.last!), 0.1)
        }
    }

    /// At t = 0: `e_tr = e_ts = ½[τ² + ‖φ‖² − 2Σ_i a_i φ̂(v_i)/m + Σ_ij a_i a_j h(C_ij(0,0))/m²]`,
    /// computed here neuron by neuron from `InitialGroups.initialOverlap`; and C^o_gh(t,t) =
    /// C^o_hg(t,t) stays a correlation.
    func testInitialErrorAndAdmissibility() throws {
        let groups = InitialGroups(sizes: [1, 2, 1], secondLayer: [1, -0.5, 0.7], overlap: [0.2, 0, -0.4], directions: [1, 2, 1])
        let p = try singleIndex(width: 4, .groups(groups))
        let t = try solve(p, duration: 2)
        let a = groups.perNeuronSecondLayer, group = groups.groupOfNeuron, cov = p.covariance
        var linear = 0.0, quadratic = 0.0
        for i in 0..<4 {
            linear += a[i] * cov.phiHat(groups.overlap[group[i]]) / 4
            for j in 0..<4 {
                let c = i == j ? 1 : groups.initialOverlap(group[i], group[j])
                quadratic += a[i] * a[j] * cov.h(c) / 16
            }
        }
        let expected = 0.5 * (p.noise * p.noise + cov.phiNorm2 - 2 * linear + quadratic)
        XCTAssertEqual(t["e_train"]![0], expected, accuracy: 1e-13)
        XCTAssertEqual(t["e_test"]![0], expected, accuracy: 1e-13)
        // Groups 1 and 3 share a direction: C_13(0,0) = v₁v₃ + √((1 − v₁²)(1 − v₃²)).
        XCTAssertEqual(t["Co_tt_g1_g3"]![0], 0.2 * -0.4 + ((1 - 0.04) * (1 - 0.16)).squareRoot(), accuracy: 1e-15)
        // Group 2 has one label for its two neurons: they start from one direction, C = 1.
        XCTAssertEqual(t["Co_tt_g2_g2"]![0], 1)
        XCTAssertEqual(t["Co_tt_g1_g2"]![0], 0)
        for name in t.names where name.hasPrefix("Co_tt") { XCTAssertTrue(t[name]!.allSatisfy { abs($0) <= 1 }) }
        XCTAssertTrue(t["e_train"]!.allSatisfy { $0 >= 0 })
    }

    // MARK: Refusals

    func testBadGroupsAreRefused() throws {
        func refuses(_ groups: InitialGroups, width: Int = 4, _ fragment: String, pureNoise noise: Bool = false) {
            XCTAssertThrowsError(try noise ? pureNoise(width: width, .groups(groups)) : singleIndex(width: width, .groups(groups))) {
                let message = "\($0)"
                XCTAssertTrue(message.contains(fragment), "'\(message)' should mention '\(fragment)'")
            }
        }
        refuses(InitialGroups(sizes: [2, 1], secondLayer: [1, 1]), "add up to 3")
        refuses(InitialGroups(sizes: [2, 2], secondLayer: [1]), "--group-a0 has 1 values for 2 groups")
        refuses(InitialGroups(sizes: [2, 2], secondLayer: [1, .nan]), "finite")
        refuses(InitialGroups(sizes: [4, 0], secondLayer: [1, 1]), "at least one neuron")
        refuses(InitialGroups(sizes: [2, 2], secondLayer: [1, 1], overlap: [1.5, 0]), "[−1, 1]")
        refuses(InitialGroups(sizes: [2, 2], secondLayer: [1, 1], overlap: [0.5, 0]), "pure noise", pureNoise: true)
        refuses(InitialGroups(sizes: [2, 2], secondLayer: [1, 1], directions: [1]), "--group-directions")
        let p = try pureNoise(width: 4, .groups(InitialGroups(sizes: [2, 2], secondLayer: [1, -1])))
        XCTAssertThrowsError(try LongTimeSolver(duration: 1, tolerance: 1e-3).solve(p)) {
            XCTAssertTrue("\($0)".contains("--solver uniform"))
        }
        XCTAssertThrowsError(try MeanFieldODE(duration: 1, outputInterval: 0.1).solve(p))
    }

    // MARK: Against GD on the Gaussian-process model

    /// Pure noise, m = 3 in groups of 2 and 1 with a(0) = (1, 1, −0.5), h = 0.1q + 0.5q², τ = 1,
    /// ᾱ = 1.5, t ≤ 2: GD (step 0.02) on the Gaussian-process model at d = 25 (400 realisations)
    /// and d = 50 (200), means by the control variates of `GaussianModelSimulatorTests`, against the
    /// DMFT at η = 0.02. The two discretisations differ at O(η): measured here as the change of
    /// each side from step 0.02 to 0.01 (DMFT: ≤ 3e-4 on these observables; GD on 24 paired
    /// realisations at d = 25: ≤ 4e-4), so `stepMismatch = 1e-3` bounds it. Asserted: at each d
    /// `|gap| ≤ 4 se + stepMismatch + 2·B/d` with `B = 1.5` bounding d·|gap| (the finite-d bias of
    /// the symmetric case, `GaussianModelSimulatorTests`, is ≤ 0.55 at t ≤ 3), and for the
    /// observables whose gap at d = 25 is resolved (> 6 se), that it shrinks at d = 50.
    func testUnequalStartAgreesWithGaussianModel() throws {
        let groups = InitialGroups(sizes: [2, 1], secondLayer: [1, -0.5])
        let p = try pureNoise(width: 3, .groups(groups))
        let dmft = try solve(p, step: 0.02, duration: 2)
        let names = ["e_train", "a_g1", "a_g2", "Cd_t0_g1", "Cd_t0_g2", "Co_tt_g1_g2"]
        let stepMismatch = 1e-3, bound = 1.5
        var gaps: [Int: [String: (gap: Double, se: Double)]] = [:]
        for (d, runs) in [(25, 400), (50, 200)] {
            let sim = GaussianModelSimulator(dimension: d, step: 0.02, duration: 2, recordInterval: 1, seed: 11)
            let samples = try GaussianModelSimulatorTests.sampleRuns(sim, p, runs: runs)
            let x = samples.map(\.covariates)
            for name in names {
                let e = GaussianModelSimulatorTests.estimate(GaussianModelSimulatorTests.column(samples, name, at: 2), x)
                let gap = e.cvMean - dmft.value(name, at: 2)!
                gaps[d, default: [:]][name] = (gap, e.cvSe)
                if ProcessInfo.processInfo.environment["DMFT_VERBOSE"] == "1" {
                    print(String(format: "d = %d %@(2): GD − DMFT = %+.5f ± %.5f", d, name, gap, e.cvSe))
                }
                XCTAssertLessThan(
                    abs(gap), 4 * e.cvSe + stepMismatch + 2 * bound / Double(d),
                    String(format: "d = %d %@(2): GD − DMFT = %+.5f ± %.5f", d, name, gap, e.cvSe))
            }
        }
        var resolved = 0
        for name in names {
            let coarse = gaps[25]![name]!, fine = gaps[50]![name]!
            guard abs(coarse.gap) > 6 * coarse.se else { continue }
            resolved += 1
            XCTAssertLessThan(abs(fine.gap), abs(coarse.gap), "\(name): |GD − DMFT| should shrink from d = 25 to 50")
        }
        XCTAssertGreaterThanOrEqual(resolved, 1, "at least one gap must be resolved at d = 25")
    }
}
