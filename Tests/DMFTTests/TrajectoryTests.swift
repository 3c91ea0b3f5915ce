import XCTest

@testable import DMFT

final class TrajectoryTests: XCTestCase {
    func line(_ slope: Double, times: [Double], names: [String] = ["t", "a"]) -> Trajectory {
        var t = Trajectory(names: names)
        for x in times { t.append([x] + names.dropFirst().map { _ in slope * x }) }
        return t
    }

    func testInterpolationAndCSVRoundTrip() throws {
        let t = line(2, times: [0, 1, 2])
        XCTAssertEqual(t.value("a", at: 1.5), 3)
        XCTAssertEqual(t.value("a", at: -1), 0)  // clamped
        XCTAssertEqual(t.value("a", at: 9), 4)
        let back = try TrajectoryCSV.parse(TrajectoryCSV.render(t))
        XCTAssertEqual(back, t)
        XCTAssertThrowsError(try TrajectoryCSV.parse("x,a\n1,2\n"))
        XCTAssertThrowsError(try TrajectoryCSV.parse("t,a\n1\n"))
        XCTAssertThrowsError(try TrajectoryCSV.parse("t,a\n1,zz\n"))
    }

    /// Input that once reached a precondition or the plot's arithmetic is refused with a message.
    func testCSVRefusesRepeatedNamesNonFiniteValuesAndDecreasingTimes() {
        for (text, words) in [
            ("t,a,a\n0,1,2\n", "twice"), ("t,,a\n0,1,2\n", "no name"), ("t,a\n0,nan\n", "not a finite number"),
            ("t,a\n0,inf\n", "not a finite number"), ("t,a\n0,1e308\n", "beyond"), ("t,a\n1,0\n0,0\n", "decrease"),
            ("", "empty"),
        ] {
            XCTAssertThrowsError(try TrajectoryCSV.parse(text)) { error in
                XCTAssert("\(error)".contains(words), "\(text): \(error)")
            }
        }
    }

    func testInputFileNamesTheProblem() throws {
        let directory = NSTemporaryDirectory() + "dmft-input-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(InputFile.problem(directory + "/missing"), "no such file or directory")
        XCTAssertEqual(InputFile.problem(directory), "is a directory, not a file")
        XCTAssertEqual(InputFile.problem(""), "the path is empty")
        XCTAssertThrowsError(try InputFile.read(directory, what: "--config")) { error in
            XCTAssert("\(error)".contains("--config \(directory): is a directory"), "\(error)")
        }
    }

    func testBoundedCountNeverTraps() {
        XCTAssertEqual(boundedCount(.nan), countLimit)
        XCTAssertEqual(boundedCount(.infinity), countLimit)
        XCTAssertEqual(boundedCount(-.infinity), 0)
        XCTAssertEqual(boundedCount(1e300), countLimit)
        XCTAssertEqual(boundedCount(2.5, .up), 3)
    }

    func testEnsembleAverageMeanAndStandardError() {
        var r1 = Trajectory(names: ["t", "a"]), r2 = r1, r3 = r1
        r1.append([0, 1]); r2.append([0, 2]); r3.append([0, 6])
        let avg = EnsembleAverage.average([r1, r2, r3])
        XCTAssertEqual(avg.names, ["t", "a", "a_se"])
        XCTAssertEqual(avg["a"]![0], 3, accuracy: 1e-15)
        // sample variance ((−2)² + (−1)² + 3²)/2 = 7; se = √(7/3)
        XCTAssertEqual(avg["a_se"]![0], (7.0 / 3).squareRoot(), accuracy: 1e-15)
    }

    func testDeviationMetrics() {
        let theory = line(1, times: [0, 0.5, 1, 1.5, 2])
        var experiment = Trajectory(names: ["t", "a", "a_se"])
        experiment.append([0, 0.1, 0.1])     // +0.1, 1 se
        experiment.append([1, 0.8, 0.1])     // −0.2, 2 se
        experiment.append([2, 2.0, 0])       // 0, no se
        let all = TrajectoryComparison.deviations(theory: theory, experiment: experiment)
        XCTAssertEqual(all.count, 1)
        let m = all[0]
        XCTAssertEqual(m.points, 3)
        XCTAssertEqual(m.maxAbsolute, 0.2, accuracy: 1e-12)
        XCTAssertEqual(m.rmsAbsolute, ((0.01 + 0.04) / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.maxInStandardErrors, 2, accuracy: 1e-12)
        XCTAssertEqual(m.rmsInStandardErrors, ((1.0 + 4.0) / 2).squareRoot(), accuracy: 1e-12)
        let early = TrajectoryComparison.deviations(theory: theory, experiment: experiment, window: 0...0.5)
        XCTAssertEqual(early[0].points, 1)
        let table = TrajectoryComparison.combine(
            theory: ("dmft", theory), experiments: [("sgd", experiment)])
        XCTAssertEqual(table.names, ["t", "a_dmft", "a_sgd", "a_sgd_se"])
        XCTAssertEqual(table["a_dmft"]!, [0, 1, 2])
    }
}
