import XCTest

@testable import DMFT

/// A simulator whose step is beyond the stability limit stops with a message naming a safer
/// `--lr`, instead of writing curves that no longer follow the gradient flow.
final class SimulationDivergenceTests: XCTestCase {
    /// Lazy initialisation, γ₀ = 3: a = 3√m makes the dynamics stiff (stable GD step ≈ 0.01 at m = 20).
    private let stiff = try! TrainingProblem(
        width: 20, alpha: 0.3, noise: 0.6, covariance: CovarianceModel(h: [0.9, 0, 1.0 / 6], phiHat: [0.9, 0, 1.0 / 6]),
        initialization: .lazy(gamma0: 3))

    private func assertStopsNamingASaferStep(_ run: () throws -> Trajectory, current: String) {
        XCTAssertThrowsError(try run()) { error in
            guard case DMFTError.diverged(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("--lr \(current) is beyond the stability limit"), message)
            XCTAssertTrue(message.contains("rerun with --lr"), message)
        }
    }

    func testDivergingGradientDescentOnTheGaussianModelStops() {
        let gd = GaussianModelSimulator(dimension: 10, step: 0.5, duration: 5, recordInterval: 0.5, seed: 1)
        assertStopsNamingASaferStep({ try gd.simulate(stiff, runs: 2) }, current: "0.5")
        let stable = GaussianModelSimulator(dimension: 10, step: 0.002, duration: 0.1, recordInterval: 0.05, seed: 1)
        XCTAssertNoThrow(try stable.simulate(stiff, runs: 1))
    }

    func testDivergingSGDOnTheNetworkStops() {
        var sgd = NetworkSimulator(dimension: 20, learningRate: 2, batchSize: 10, duration: 10, recordInterval: 2, seed: 1)
        sgd.concurrentRuns = 1
        assertStopsNamingASaferStep({ try sgd.simulate(stiff, runs: 2) }, current: "2")
    }
}
