import Foundation

/// A small deterministic random generator (SplitMix64), so that a fuzz seed reproduces.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random `dmft` command lines over the real flag space: each flag's values are drawn from
/// small valid ones (so that an accepted run ends within seconds) and bad ones (out of range,
/// NaN, infinities, huge, negative, empty, wrong type), plus the fixture files and their
/// mutations as inputs.
enum FuzzCases {
    /// Values of a kind of flag: `valid` and `bad`.
    struct Pool {
        var valid: [String]
        var bad: [String]
    }

    static let badReal = ["0", "-1", "nan", "-nan", "inf", "-inf", "1e300", "-1e300", "1e-300", "", "abc", "1e-12",
                          "1e12", "0x1p3", " 1", "1,2", "--", "1e309", "4.9e-324"]
    static let badInt = ["0", "-1", "99999999999999999999", "9223372036854775807", "-9223372036854775808", "1.5", "",
                         "abc", "1e3", "100000000"]
    static let badList = ["", ",", "1,,2", "nan", "1e400", "a,b", "-1,2", "0", "inf,1",
                          String(repeating: "0.1,", count: 80) + "0.1"]
    static let badName = ["", "sideways", "UNIFORM", "relu;", "hermite:", "hermite:x", "hermite:1e308"]
    static let inputs = ["valid.csv", "mutated.csv", "missing.csv", "dir", "", "mutated.json", "valid.json",
                         "mutated.ckpt", "file/x"]
    static let outputs = ["out.csv", "sub/out.csv", "", "dir", "dir/", "mutated.csv", "valid.json", "file/x.csv",
                          "out.json", "fifo"]

    static func real(_ valid: [String]) -> Pool { Pool(valid: valid, bad: badReal) }
    static func int(_ valid: [String]) -> Pool { Pool(valid: valid, bad: badInt) }
    static func list(_ valid: [String]) -> Pool { Pool(valid: valid, bad: badList) }
    static func name(_ valid: [String]) -> Pool { Pool(valid: valid, bad: badName) }
    static let flag = Pool(valid: [""], bad: [])

    /// The problem flags every running command has.
    static let problem: [String: Pool] = [
        "--width": int(["1", "2", "5", "20"]), "--alpha": real(["0.1", "0.3", "2"]),
        "--noise": real(["0", "0.5", "1"]), "--init": name(["meanfield", "lazy", "mf"]),
        "--a0": real(["1", "-0.5", "2"]), "--gamma0": real(["1", "0.5"]),
        "--h": list(["0.9,0,0.1666667", "0.5,0.5", "1", "0,1"]),
        "--phihat": list(["0.9,0,0.1666667", "0.5", "0.3,0.2"]), "--phi-norm2": real(["1", "2"]),
        "--activation": name(["linear", "relu", "tanh", "erf", "hermite:0.9,0,0.4"]),
        "--target": name(["linear", "tanh", "relu"]), "--hermite-degree": int(["1", "4", "12"]),
        "--freeze-second-layer": flag, "--no-freeze-second-layer": flag,
        "--freeze-first-layer": flag, "--no-freeze-first-layer": flag,
        "--weight-decay": real(["0", "0.1", "1"]), "--lr-ratio": real(["0.5", "1", "2"]),
        "--config": Pool(valid: ["valid.json", "mutated.json"], bad: inputs),
        "--max-memory-gb": real(["1", "8"]),
    ]

    static let simulation: [String: Pool] = [
        "--dim": int(["2", "5", "20"]), "--runs": int(["1", "2"]), "--seed": int(["1", "7"]),
        "--lr": real(["0.1", "0.05", "0.5"]), "--batch": int(["1", "10", "100"]),
        "--record-every": real(["0.1", "0.5"]), "--test-samples": int(["0", "10"]),
    ]

    /// Per command: flags with their pools, and flags always put first so that accepted runs
    /// are short (a later random value of the same flag overrides them).
    static let commands: [(name: [String], flags: [String: Pool], base: [String])] = [
        (["solve"], problem.merging([
            "--solver": name(["uniform", "long", "ratio"]), "--dt": real(["0.01", "0.05", "0.1"]),
            "--tmax": real(["0.5", "1", "2"]), "--tolerance": real(["1e-3", "1e-2"]),
            "--checkpoint-every": real(["0", "5"]), "--nodes": int(["16", "32"]),
            "--clustering": real(["2", "4"]), "--integrator": name(["explicit", "exponential"]),
            "--out": Pool(valid: ["out.csv"], bad: outputs),
        ]) { $1 }, ["--tmax=1"]),
        (["simulate"], problem.merging(simulation) { $1 }.merging([
            "--model": name(["network", "gaussian"]), "--tmax": real(["0.5", "1"]),
            "--out": Pool(valid: ["sim.csv"], bad: outputs),
        ]) { $1 }, ["--model=network", "--tmax=0.5", "--runs=2", "--dim=20", "--record-every=0.1"]),
        (["compare"], problem.merging(simulation) { $1 }.merging([
            "--models": name(["network", "gaussian", "gaussian,network"]), "--dt": real(["0.05", "0.1"]),
            "--tmax": real(["0.5", "1"]), "--window": list(["0,1", "0.2,0.4"]),
            "--out-dir": Pool(valid: ["cmp"], bad: outputs), "--time-axis": name(["t", "t*m", "t/m"]),
            "--log-time": flag, "--no-png": flag,
        ]) { $1 }, ["--tmax=0.5", "--runs=2", "--dim=20", "--record-every=0.1", "--no-png"]),
        (["threshold"], problem.merging([
            "--scan": name(["alpha", "gamma0"]), "--values": list(["0.1,0.2,0.3,0.4", "1,2,3,4"]),
            "--limit": name(["finite", "lazy-2", "infinite-width", "both"]), "--epsilon": real(["0.5", "0.1"]),
            "--tolerance": real(["1e-2"]), "--tmax-start": real(["0.5", "1"]), "--tmax": real(["1", "2"]),
            "--confidence": real(["0.9", "0.5"]), "--out-dir": Pool(valid: ["thr"], bad: outputs), "--no-png": flag,
        ]) { $1 }, ["--values=0.1,0.2,0.3,0.4", "--tmax=1", "--tmax-start=0.5", "--epsilon=0.5", "--limit=finite",
                    "--no-png"]),
        (["asymptotics", "mean-field"], problem.merging(asymptotic) { $1 }, ["--tmax=1"]),
        (["asymptotics", "lazy-1"], problem.merging(asymptotic) { $1 }, ["--init=lazy", "--tmax=1"]),
        (["asymptotics", "lazy-2"], problem.merging(asymptotic) { $1 }, ["--init=lazy", "--tmax=0.5"]),
        (["asymptotics", "pspin"], problem.merging(asymptotic) { $1 }, ["--h=0.5,0,0.5", "--noise=1", "--tmax=0.3"]),
        (["asymptotics", "infinite-width"], problem.merging(asymptotic) { $1 }, ["--tmax=0.2"]),
        (["plot"], [
            "--out": Pool(valid: ["fig.svg"], bad: outputs), "--png": flag, "--png-width": int(["100", "400"]),
            "--time-axis": name(["t", "t*m", "t/sqrt(m)", "t/m"]), "--log-time": flag, "--labels": name(["a", "a,b"]),
            "--widths": list(["5", "5,10"]), "--panels": name(["error", "a,v", "nu,Co_tt"]),
            "--columns": int(["1", "2", "3"]), "--scaling": flag, "--max-markers": int(["2", "30"]),
            "--max-memory-gb": real(["1"]),
        ], []),
        (["example"], ["--out": Pool(valid: ["ex.csv"], bad: outputs), "--max-memory-gb": real(["1", "8"])], []),
    ]

    static let asymptotic: [String: Pool] = [
        "--tmax": real(["0.2", "0.5"]), "--dt": real(["0.01", "0.05"]), "--tolerance": real(["1e-3", "1e-2"]),
        "--index-count": int(["1", "2", "3"]), "--type-a0": list(["0.5,2", "1"]),
        "--type-weights": list(["0.3,0.7", "1"]), "--out": Pool(valid: ["asy.csv"], bad: outputs),
    ]

    /// One command line (after the program name).
    static func arguments(_ rng: inout SplitMix64) -> [String] {
        if Int.random(in: 0..<40, using: &rng) == 0 {
            // Whole-line garbage: unknown subcommands and flags.
            return [["sideways"], [], ["--width", "5"], ["solve", "--sideways"], ["solve", "extra"],
                    ["plot", "--"], ["asymptotics", "mean-field", "lazy-1"]].randomElement(using: &rng)!
        }
        let command = commands.randomElement(using: &rng)!
        var args = command.name + command.base
        if command.name == ["plot"] {
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                args.append((["valid.csv", "mutated.csv"] + inputs).randomElement(using: &rng)!)
            }
        }
        if command.name == ["solve"], Int.random(in: 0..<8, using: &rng) == 0 {
            // Resuming from a mutated copy of a real checkpoint of this run.
            return args + ["--solver=long", "--width=20", "--phihat=0.9,0,0.16666666666666666", "--tmax=30",
                           "--tolerance=1e-4", "--resume", "--checkpoint=mutated.ckpt"]
        }
        let names = command.flags.keys.sorted()
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            let flag = names.randomElement(using: &rng)!
            let pool = command.flags[flag]!
            if pool.bad.isEmpty {
                args.append(flag)
            } else {
                let useBad = Double.random(in: 0..<1, using: &rng) < 0.4
                let value = (useBad ? pool.bad : pool.valid).randomElement(using: &rng)!
                args.append("\(flag)=\(value)")
            }
        }
        if command.name == ["example"] {
            // The example's fixed run takes longer than a fuzz case may: keep only its refusals.
            args.append("--max-memory-gb=0.01")
        }
        return args
    }

    /// `data` with random damage: bytes flipped, cut short, a span repeated, or a line
    /// duplicated (which for a CSV header gives repeated column names).
    static func mutate(_ data: Data, _ rng: inout SplitMix64) -> Data {
        var bytes = [UInt8](data)
        guard !bytes.isEmpty else { return Data([UInt8.random(in: 0...255, using: &rng)]) }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case 2:
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            let span = bytes[start..<min(bytes.count, start + Int.random(in: 1...64, using: &rng))]
            bytes.insert(contentsOf: span, at: Int.random(in: 0...bytes.count, using: &rng))
        case 3:
            var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            if let line = lines.randomElement(using: &rng) {
                lines.insert(line, at: Int.random(in: 0...lines.count, using: &rng))
            }
            if Bool.random(using: &rng), let first = lines.first, let column = first.split(separator: ",").last {
                lines[0] = first + "," + column
            }
            bytes = Array(lines.joined(separator: "\n").utf8)
        default:
            let text = String(decoding: bytes, as: UTF8.self)
            let replacements = ["nan", "inf", "-1", "1e308", "\"x\"", "null", "[]", "{}", "", "0"]
            var words = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let i = Int.random(in: 0..<words.count, using: &rng)
            words[i] = replacements.randomElement(using: &rng)!
            bytes = Array(words.joined(separator: ",").utf8)
        }
        if bytes == [UInt8](data) { bytes.append(0x0a) }
        return Data(bytes)
    }
}
