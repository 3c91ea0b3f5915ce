import XCTest
@testable import DMFT

/// The scan as a value: axes, points, hashes, scan files and their refusals, summary columns.
final class ScanTests: XCTestCase {
    let tiny: [String: JSONValue] = ["width": .int(5), "tmax": .int(1), "dt": .double(0.1)]

    func testRangesAndListsExpand() throws {
        XCTAssertEqual(try ScanAxis(name: "alpha", parsing: "0.2:0.6:5").values, [0.2, 0.3, 0.4, 0.5, 0.6].map(JSONValue.double))
        XCTAssertEqual(try ScanAxis(name: "width", parsing: "25:100:4").values, [25, 50, 75, 100].map(JSONValue.int))
        XCTAssertEqual(try ScanAxis(name: "width", parsing: "25,50,100").values, [25, 50, 100].map(JSONValue.int))
        XCTAssertEqual(try ScanAxis(name: "init", parsing: "meanfield,lazy").values, [.string("meanfield"), .string("lazy")])
        XCTAssertEqual(
            try ScanAxis(name: "h", parsing: "0.9,0,0.2;1").values,
            [.array([.double(0.9), .int(0), .double(0.2)]), .array([.int(1)])])
        XCTAssertEqual(try ScanAxis(name: "alpha", parsing: "0.5:0.5:1").values, [.double(0.5)])
        for bad in ["0.2:0.6:0", "0.2:0.6:x", "0.2:0.6:1", "a:1:3", "0.1,,0.2"] {
            XCTAssertThrowsError(try ScanAxis(name: "alpha", parsing: bad), bad)
        }
    }

    func testProductVariesTheFirstAxisSlowestAndZipPairs() throws {
        let axes = [ScanAxis(name: "alpha", values: [.double(0.2), .double(0.4)]),
                    ScanAxis(name: "noise", values: [.double(0.1), .double(0.5), .double(0.9)])]
        let product = try Scan(command: .solve, base: tiny, axes: axes)
        XCTAssertEqual(product.points.map(\.index), Array(0..<6))
        XCTAssertEqual(product.points.map { $0.settings["alpha"]! }, [0.2, 0.2, 0.2, 0.4, 0.4, 0.4].map(JSONValue.double))
        XCTAssertEqual(product.points.map { $0.settings["noise"]! }, [0.1, 0.5, 0.9, 0.1, 0.5, 0.9].map(JSONValue.double))
        XCTAssertEqual(Set(product.points.map(\.hash)).count, 6)
        XCTAssert(product.points.allSatisfy { $0.settings["width"] == .int(5) && $0.hash.count == 16 })

        let zipped = try Scan(command: .solve, base: tiny, axes: [axes[0], ScanAxis(name: "noise", values: [.double(0.1), .double(0.5)])],
                              combination: .zip)
        XCTAssertEqual(zipped.points.map { [$0.settings["alpha"]!, $0.settings["noise"]!] },
                       [[.double(0.2), .double(0.1)], [.double(0.4), .double(0.5)]])
        XCTAssertThrowsError(try Scan(command: .solve, base: tiny, axes: axes, combination: .zip)) {
            XCTAssert("\($0)".contains("equal lengths"), "\($0)")
        }
    }

    /// The hash depends on the run, not on how its settings were written: a default given
    /// explicitly, an integer written as a double, or a key that does not apply change nothing.
    func testKeysValidOnlyTogetherCanBeZipped() throws {
        // φ̂ with a v² term needs h with a q² term: each value alone is refused on the default h,
        // the zipped pairs are valid, and a pair that is invalid together is refused with its line.
        let zipped = """
            command: solve
            base: {width: 5, tmax: 1}
            combine: zip
            axes:
              h: [[0.9, 0.5], [0.9, 0, 0.1666667]]
              phihat: [[0.9, 0.5], [0.9, 0, 0.1666667]]
            """
        let scan = try Scan(text: zipped, path: "z.yaml")
        XCTAssertEqual(scan.points.count, 2)
        XCTAssertEqual(scan.points[0].record["problem"]?.objectValue?["h"], .array([.double(0.9), .double(0.5)]))
        let crossed = zipped.replacingOccurrences(
            of: "phihat: [[0.9, 0.5], [0.9, 0, 0.1666667]]", with: "phihat: [[0.9, 0, 0.1666667], [0.9, 0.5]]")
        XCTAssertThrowsError(try Scan(text: crossed, path: "z.yaml")) { error in
            XCTAssertTrue("\(error)".contains("scan file z.yaml, line 6: key axes.phihat, value [0.9,0.5]"), "\(error)")
        }
    }

    func testHashNamesTheResolvedRun() throws {
        let plain = try Scan(command: .solve, base: ["width": .int(5), "tmax": .int(1)], axes: []).points[0]
        let spelled = try Scan(
            command: .solve, base: ["width": .double(5), "tmax": .double(1), "dt": .double(0.05), "solver": .string("uniform"),
                                    "seed": .int(3)], axes: []).points[0]
        XCTAssertEqual(plain.hash, spelled.hash)
        let settings = try XCTUnwrap(plain.record["settings"]?.objectValue)
        XCTAssertEqual(settings.keys.sorted(), ["dt", "solver", "tmax"])
        XCTAssertEqual(settings["solver"], .string("uniform"))
        XCTAssertEqual(settings["tmax"]?.number, 1)
        XCTAssertEqual(settings["dt"]?.number, 0.05)
        let other = try Scan(command: .simulate, base: ["width": .int(5), "tmax": .int(1), "model": .string("gaussian")], axes: [])
        XCTAssertNotEqual(other.points[0].hash, plain.hash)
        XCTAssertEqual(plain.hash, String(SHA256.hex(Array(try ScanPoint.canonicalJSON(.object(plain.record)).utf8)).prefix(16)))
        // FIPS 180-4 test vector.
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testScanFilesInYAMLAndJSONGiveTheSamePoints() throws {
        let yaml = """
            command: solve
            base:
              width: 5
              tmax: 1
              phihat: [0.9, 0, 0.1666667]
            axes:
              alpha: 0.2:0.6:3
              noise: [0.3, 0.6]
            """
        let json = """
            {"command": "solve", "base": {"width": 5, "tmax": 1, "phihat": [0.9, 0, 0.1666667]},
             "axes": {"alpha": "0.2:0.6:3", "noise": [0.3, 0.6]}}
            """
        let fromYAML = try Scan(text: yaml, path: "s.yaml"), fromJSON = try Scan(text: json, path: "s.json")
        XCTAssertEqual(fromYAML.points.map(\.hash), fromJSON.points.map(\.hash))
        XCTAssertEqual(fromYAML.points.count, 6)
        XCTAssertEqual(fromYAML.axes.map(\.name), ["alpha", "noise"])
        let lazy = try Scan(text: "command: asymptotics lazy-1\nbase: {init: lazy}\naxes:\n  gamma0: 1,2\n", path: "a.yaml")
        XCTAssertEqual(lazy.points[1].record["settings"]?.objectValue?["regime"], .string("lazy-1"))
    }

    /// Each refusal names the file, the line and the key at fault.
    func testBadScanFilesAreRefusedWithLineAndKey() {
        let cases: [(String, [String])] = [
            ("command: solve\nbase:\n  width: 5\n  alpah: 0.3\naxes:\n  alpha: [0.1]\n", ["line 4", "unknown key base.alpah"]),
            ("command: solve\naxes:\n  widht: 1,2\n", ["line 3", "axis widht is not a problem or settings key"]),
            ("command: solve\nbase:\n  width: 5\naxes:\n  alpha: [0.1, -2]\n", ["line 5", "key axes.alpha, value -2", "alpha"]),
            ("command: solve\nbase:\n  width: 5\n  tmax: [1\naxes:\n  alpha: [0.1]\n", ["line 5", "not valid YAML or JSON"]),
            ("command: solve\nbase:\n  width: 0\naxes:\n  alpha: [0.1]\n", ["line 3", "key base.width", "width"]),
            ("command: solve\naxes:\n  alpha: 0.1\n  alpha: 0.2\n", ["line 3", "key alpha is given twice"]),
            ("command: solve\naxes:\n  seed: 1,2\n", ["line 2", "points 0 (seed = 1) and 1 (seed = 2) are the same run"]),
            ("command: train\naxes:\n  alpha: 0.1\n", ["line 1", "key command"]),
            ("command: solve\naxes:\n  alpha: 0.1\ncombine: cross\n", ["line 4", "key combine"]),
            ("{\"command\": \"solve\",\n \"base\": {\"width\": \"five\"},\n \"axes\": {\"alpha\": [0.1]}}", ["line 2", "key base.width", "key width"]),
            ("{\"command\": \"solve\",\n \"axes\": {\"alpha\": [0.1}}", ["line 2", "not valid YAML or JSON"]),
        ]
        for (text, expected) in cases {
            let path = text.hasPrefix("{") ? "bad.json" : "bad.yaml"
            XCTAssertThrowsError(try Scan(text: text, path: path), text) { error in
                let message = "\(error)"
                XCTAssert(message.contains("scan file \(path)"), message)
                for part in expected { XCTAssert(message.contains(part), "'\(part)' not in: \(message)") }
            }
        }
    }

    /// The summary of a CSV whose values are known by hand (m = 4, τ = 0.5, so a/√m = a/2 and
    /// ετ² = 2.5e-8): every number below follows from the table by the definitions.
    func testSummaryColumnsMatchAHandComputation() throws {
        let csv = """
            t,e_train,e_test,a,v
            0,0.5,0.6,0.4,0
            1,0.1,0.3,1.0,0.2
            2,1e-8,0.2,1.4,0.3
            3,1e-9,0.25,1.6,0.35
            """
        let trajectory = try TrajectoryCSV.parse(csv)
        let record: [String: JSONValue] = ["problem": .object(["width": .int(4), "noise": .double(0.5)])]
        let summary = ScanSummary(trajectory, record: record, command: .solve, errorEstimate: "0.001")
        let v = summary.values
        XCTAssertEqual(ScanSummary.columns.count, v.count + 1)
        func value(_ name: String) -> Double? { v[ScanSummary.columns.firstIndex(of: name)!] }
        XCTAssertEqual(value("e_test_min"), 0.2)
        XCTAssertEqual(value("t_e_test_min"), 2)
        XCTAssertEqual(value("e_train_final"), 1e-9)
        XCTAssertEqual(value("e_test_final"), 0.25)
        XCTAssertEqual(value("a_over_sqrt_m_final"), 0.8)
        XCTAssertEqual(value("v_final"), 0.35)
        // a/√m = 0.2, 0.5, 0.7, 0.8: 0.3 at t = 1/3, 0.4 at 2/3, 0.5 at 1, 0.6 at 1.5.
        XCTAssertEqual(value("t0_0.3")!, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(value("t0_0.4")!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(value("t0_0.5")!, 1, accuracy: 1e-12)
        XCTAssertEqual(value("t0_0.6")!, 1.5, accuracy: 1e-12)
        // e_train crosses 2.5e-8 between t = 1 (0.1) and t = 2 (1e-8), linear in log e.
        XCTAssertEqual(value("t_rel")!, 1 + log(0.1 / 2.5e-8) / log(0.1 / 1e-8), accuracy: 1e-12)
        XCTAssertEqual(summary.cells.last, "0.001")
        XCTAssertNil(ScanSummary.firstCrossing([0, 1], [0.1, 0.2], level: 0.3))
        XCTAssertEqual(ScanSummary.firstCrossing([0, 1, 2], [0.9, 0.5, 0.1], level: 0.3), 1.5)
    }

    func testShardsPartitionThePoints() throws {
        let shards = try (1...3).map { try ScanShard(index: $0, count: 3) }
        for k in 0..<10 { XCTAssertEqual(shards.filter { $0.contains(k) }.count, 1) }
        XCTAssertEqual((0..<7).filter(shards[1].contains), [1, 4])
        XCTAssertEqual(try ScanShard(parsing: "2/3"), shards[1])
        for bad in ["0/3", "4/3", "1/0", "x", "1/2/3"] { XCTAssertThrowsError(try ScanShard(parsing: bad), bad) }
        let env = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"]
        XCTAssertEqual(try ScanShard.slurm(env), shards[1])
        XCTAssertEqual(try ScanShard.slurm(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3"]), shards[0])
        XCTAssertNil(try ScanShard.slurm([:]))
    }
}
