import ArgumentParser
import DMFT
import Foundation

/// The checks of the problem flags shared by every command that runs something.
extension ProblemOptions {
    /// The largest config file read (a problem description is a few hundred bytes).
    static let configLimitBytes = 1e7

    /// The ranges of the problem's numbers, by flag and config key. Checked on the problem
    /// as resolved (config, then flags), so a value from either place is held to them.
    static let numberRules: [(flag: String, key: String, bounds: Check.Bounds, value: @Sendable (ProblemSpec) -> Double?)] = [
        ("--width", "width", Check.Bounds(lower: 1, upper: 1e7), { Double($0.width) }),
        ("--alpha", "alpha", .positive(atMost: 1e6), { $0.alpha }),
        ("--noise", "noise", .nonNegative(atMost: 1e3), { $0.noise }),
        ("--a0", "a0", .magnitude(atMost: 1e3), { $0.a0 }),
        ("--gamma0", "gamma0", .magnitude(atMost: 1e3), { $0.gamma0 }),
        ("--phi-norm2", "phi_norm2", .nonNegative(atMost: 1e6), { $0.phiNorm2 }),
        ("--hermite-degree", "hermite_degree", Check.Bounds(lower: 1, upper: 60), { Double($0.hermiteDegree) }),
        ("--weight-decay", "weight_decay", .nonNegative(atMost: 1e6), { $0.weightDecay }),
        ("--lr-ratio", "lr_ratio", .positive(atMost: 1e6), { $0.lrRatio }),
    ]

    /// The problem these flags describe, checked: the config file readable and well typed,
    /// every number finite and in range, no flag that the resolved problem does not use (`--a0`
    /// under a lazy initialisation, `--gamma0` under a mean-field one, `--phihat`, `--phi-norm2`
    /// or `--h` with `--activation`, `--target` or `--hermite-degree` without it), and the
    /// problem itself valid (`ProblemSpec.makeProblem`).
    func checked(default fallback: ProblemSpec = ProblemSpec()) throws -> (spec: ProblemSpec, problem: TrainingProblem) {
        if let config {
            try Check.inputFile(config, "--config")
            guard InputFile.size(config) <= Self.configLimitBytes else {
                throw DMFTError.invalidInput(
                    "--config \(config) is \(Check.gigabytes(InputFile.size(config))); a problem description is a small JSON file")
            }
            try Self.checkTypes(config)
        }
        try Check.list(h, "--h", .magnitude(atMost: 1e6))
        try Check.list(phiHat, "--phihat", .magnitude(atMost: 1e6))
        let spec: ProblemSpec
        do { spec = try self.spec(default: fallback) } catch let error as ValidationError {
            throw DMFTError.invalidInput(error.message)
        }
        for rule in Self.numberRules {
            guard let value = rule.value(spec), !rule.bounds.contains(value) else { continue }
            let name = Check.given(rule.flag) || config == nil ? rule.flag : "config key \(rule.key) (in \(config!))"
            throw DMFTError.invalidInput("\(name) must be a finite number in \(rule.bounds.text), got \(Check.format(value))")
        }
        for (function, flag) in [(spec.activation, "--activation"), (spec.target, "--target")] {
            guard let function, function.lowercased().hasPrefix("hermite:") else { continue }
            try Check.list(String(function.dropFirst("hermite:".count)), flag + " hermite:", .magnitude(atMost: 1e6))
        }
        for (values, name) in [(spec.h, "h"), (spec.phiHat, "phihat")] {
            guard let values, values.count > 64 || values.contains(where: { !$0.isFinite || abs($0) > 1e6 }) else { continue }
            throw DMFTError.invalidInput(
                "\(name) takes at most 64 coefficients, each finite and at most 1e6 in magnitude, got \(values.count)")
        }
        try checkApplicability(spec)
        return (spec, try spec.makeProblem())
    }

    /// Refuses problem flags the resolved problem does not use.
    private func checkApplicability(_ spec: ProblemSpec) throws {
        switch spec.initialization.lowercased() {
        case "lazy":
            try Check.notApplicable(["--a0"], to: "--init lazy", instead: "its scale is --gamma0 (a_i(0) = γ₀√m)")
        case "meanfield", "mean-field", "mf":
            try Check.notApplicable(
                ["--gamma0"], to: "a mean-field initialisation", instead: "its scale is --a0 (or use --init lazy)")
        case "groups":
            try Check.notApplicable(
                ["--a0", "--gamma0"], to: "--init groups", instead: "the second layer starts from --group-a0")
        default: break
        }
        if spec.initialization.lowercased() != "groups" {
            try Check.notApplicable(
                ["--group-sizes", "--group-a0", "--group-v0", "--group-directions"], to: "--init \(spec.initialization)",
                instead: "they describe --init groups")
        }
        for (values, name) in [(spec.groupA0, "group_a0"), (spec.groupV0, "group_v0")] {
            guard let values, values.count > 100_000 || values.contains(where: { !$0.isFinite || abs($0) > 1e3 }) else {
                continue
            }
            throw DMFTError.invalidInput("\(name) takes at most 100000 values, each finite and at most 1e3 in magnitude")
        }
        if activation != nil {
            try Check.notApplicable(
                ["--h", "--phihat", "--phi-norm2"], to: "--activation",
                instead: "σ and φ are then functions: give the target as --target NAME")
        }
        if spec.activation == nil {
            try Check.notApplicable(
                ["--target", "--hermite-degree"], to: "a covariance given as --h",
                instead: "give σ as a function with --activation NAME (the target is then --phihat)")
        }
    }

    /// Refuses a config file that is not a JSON object, or whose known keys have values of
    /// the wrong type (a number where a list is expected, a string for the width, …), naming
    /// the key. Unknown keys are left to `spec()`.
    private static func checkTypes(_ path: String) throws {
        let data = try InputFile.read(path, what: "--config", limitBytes: configLimitBytes)
        guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw DMFTError.invalidInput(
                "--config \(path) is not valid JSON (a syntax error, a number out of range, or not text)")
        }
        guard let top = json as? [String: Any] else {
            throw DMFTError.invalidInput("--config \(path) is not a JSON object (a sidecar or its \"problem\" object)")
        }
        let object = (top["problem"] as? [String: Any]) ?? top
        for (key, value) in object where !(value is NSNull) {
            let expected: String?
            switch key {
            case "width", "hermite_degree": expected = isInteger(value) ? nil : "an integer"
            case "alpha", "noise", "a0", "gamma0", "phi_norm2", "weight_decay", "lr_ratio":
                expected = isNumber(value) ? nil : "a number"
            case "init", "activation", "target": expected = value is String ? nil : "a string"
            case "h", "phihat", "group_a0", "group_v0":
                expected = (value as? [Any])?.allSatisfy(isNumber) == true ? nil : "a list of numbers"
            case "group_sizes", "group_directions":
                expected = (value as? [Any])?.allSatisfy(isInteger) == true ? nil : "a list of integers"
            case "freeze_second_layer", "freeze_first_layer": expected = isBoolean(value) ? nil : "true or false"
            default: expected = nil
            }
            if let expected {
                throw DMFTError.invalidInput("--config \(path): \(key) must be \(expected), got \(describe(value))")
            }
        }
    }

    private static func isNumber(_ value: Any) -> Bool {
        guard let number = value as? NSNumber, !isBoolean(value) else { return false }
        return number.doubleValue.isFinite
    }

    private static func isInteger(_ value: Any) -> Bool {
        guard isNumber(value), let d = (value as? NSNumber)?.doubleValue else { return false }
        return d == d.rounded() && abs(d) < 1e15
    }

    private static func isBoolean(_ value: Any) -> Bool {
        if value is Bool, !(value is Int) { return true }
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    private static func describe(_ value: Any) -> String {
        let text: String
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]),
            let json = String(data: data, encoding: .utf8)
        {
            text = String(json.dropFirst().dropLast())
        } else {
            text = "\(value)"
        }
        return text.count > 60 ? String(text.prefix(57)) + "…" : text
    }
}
