import Foundation
import XCTest

@testable import DMFT

/// Regression tests against the relaxation times stored by `Examples/figure32.sh` under
/// `data/figure32/` (the paper's Figures 32–33): the stored fit is the fit of the stored points,
/// and the cheapest point of each scan (the smallest ᾱ), re-solved with the stored problem and
/// settings, reproduces the stored t_rel within the discretisation error of that point.
final class StoredThresholdCurveTests: XCTestCase {
    static let directory = StoredCurveTests.dataDirectory.appendingPathComponent("figure32")

    struct StoredScan {
        let points: [String: [(value: Double, tRel: Double?)]]  // by width key ("5", "inf")
        let fits: [String: [String: Any]]
        let spec: ProblemSpec
        let settings: ThresholdSettings

        init(_ name: String) throws {
            let dir = StoredThresholdCurveTests.directory.appendingPathComponent(name)
            let csv = try String(contentsOf: dir.appendingPathComponent("relaxation-times.csv"), encoding: .utf8)
            var points: [String: [(value: Double, tRel: Double?)]] = [:]
            for line in csv.split(separator: "\n").dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                points[cells[0], default: []].append((try XCTUnwrap(Double(cells[1])), Double(cells[2])))
            }
            self.points = points
            let json = try Data(contentsOf: dir.appendingPathComponent("fit.json"))
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            fits = try XCTUnwrap(object["fits"] as? [String: [String: Any]])
            struct Wrapped: Decodable { let problem: ProblemSpec; let settings: ThresholdSettings }
            let wrapped = try JSONDecoder().decode(Wrapped.self, from: json)
            (spec, settings) = (wrapped.problem, wrapped.settings)
        }

        /// The stored fit of `key` is the fit of its stored points (to rounding).
        func assertFitReproduced(_ key: String) throws {
            let relaxed = try XCTUnwrap(points[key]).filter { $0.tRel != nil }
            let fit = try PowerLawFit(x: relaxed.map(\.value), t: relaxed.map { $0.tRel! }, side: .above)
            let stored = try XCTUnwrap(fits[key]?["threshold"] as? Double)
            XCTAssertEqual(fit.threshold, stored, accuracy: 1e-9 * stored, key)
        }

        /// The scan of `key` restricted to its smallest value, with the stored settings.
        func cheapestPoint(_ key: String, width: InterpolationThresholdScan.Width) throws
            -> (stored: Double, rerun: Double, value: Double)
        {
            let first = try XCTUnwrap(points[key]?.min { $0.value < $1.value })
            var scan = InterpolationThresholdScan(parameter: .alphaBar, values: [first.value], width: width)
            scan.epsilon = try settings.value(\.epsilon, "epsilon")
            scan.tolerance = try settings.value(\.tolerance, "tolerance")
            scan.initialDuration = try settings.value(\.tmaxStart, "tmax_start")
            scan.maxDuration = try settings.value(\.tmax, "tmax")
            scan.infiniteWidthStep = settings.dt
            var problem = try spec.makeProblem()
            if let m = Int(key) { problem.width = m }
            let rerun = try XCTUnwrap(scan.run(problem).first?.relaxationTime)
            return (try XCTUnwrap(first.tRel), rerun, first.value)
        }
    }

    /// m = ∞: tolerance |t_rel(η) − t_rel(η/2)| from the stored step-0.05 scan, the first-order
    /// scheme's own error at that value (a change of the scheme within its accuracy passes).
    func testInfiniteWidthPrefix() throws {
        let stored = try StoredScan("infinite-width")
        try stored.assertFitReproduced("inf")
        let check = try StoredScan("infinite-width-step0.05")
        let point = try stored.cheapestPoint("inf", width: .infiniteWidth)
        let halfStep = try XCTUnwrap(check.points["inf"]?.first { $0.value == point.value }?.tRel)
        let tolerance = abs(point.stored - halfStep)
        print("ᾱ = \(point.value): stored t_rel = \(point.stored), rerun \(point.rerun), tolerance \(tolerance)")
        XCTAssertEqual(point.rerun, point.stored, accuracy: tolerance)
    }

    /// Finite m (smallest width, smallest ᾱ): tolerance 1e-3 relative, the bound on the change
    /// of t_rel between long-time-solver tolerances 1e-2 and 1e-3 (docs/asymptotics.md).
    func testFiniteWidthPrefix() throws {
        let stored = try StoredScan("finite")
        let key = try XCTUnwrap(stored.points.keys.compactMap(Int.init).min().map(String.init))
        try stored.assertFitReproduced(key)
        let point = try stored.cheapestPoint(key, width: .finite)
        print("m = \(key), ᾱ = \(point.value): stored t_rel/m = \(point.stored), rerun \(point.rerun)")
        XCTAssertEqual(point.rerun, point.stored, accuracy: 1e-3 * point.stored)
    }
}
