import ArgumentParser
import DMFT
import Foundation

/// The problem flags shared by every subcommand that runs something. Each flag, when
/// given, overrides the same field of `--config` (or of the built-in defaults); the
/// command's other settings are restored from `--config` through `settings(_:)`.
struct ProblemOptions: ParsableArguments {
    @Option(help: "JSON file written by any run (its problem and settings are restored; flags override them), or a flat object of problem and settings keys.")
    var config: String?

    @Option(name: .customLong("width"), help: "Width m (number of hidden units). Default 50.")
    var width: Int?

    @Option(help: "Overparametrisation ratio α = n/(m d). Default 0.3.")
    var alpha: Double?

    @Option(help: "Label-noise standard deviation τ. Default 0.6.")
    var noise: Double?

    @Option(name: .customLong("init"), help: "Second-layer initialisation: meanfield (a_i(0) = a0), lazy (a_i(0) = gamma0·√m) or groups (--group-a0 per group; uniform solver only).")
    var initialization: String?

    @Option(name: .customLong("a0"), help: "Mean-field initial second-layer weight. Default 1.")
    var a0: Double?

    @Option(name: .customLong("gamma0"), help: "Lazy initial second-layer scale γ₀. Default 1.")
    var gamma0: Double?

    @Option(name: .customLong("group-sizes"), help: "--init groups: neurons per group, e.g. 50,50 (must add up to --width). Omitted: one group per neuron.")
    var groupSizes: String?

    @Option(name: .customLong("group-a0"), help: "--init groups: a_k(0) per group, e.g. 1,-1 (per neuron without --group-sizes).")
    var groupA0: String?

    @Option(name: .customLong("group-v0"), help: "--init groups: overlap v_k(0) = <u, w_i(0)> per group, in [−1, 1] (needs a target). Default 0.")
    var groupV0: String?

    @Option(name: .customLong("group-directions"), help: "--init groups: a label per group; groups with equal labels start from one shared random first-layer direction (C_ij(0,0) = 1). Default: all independent.")
    var groupDirections: String?

    @Option(name: .customLong("h"), help: "Power-series coefficients of h from q^1 up, e.g. 0.9,0,0.1666667.")
    var h: String?

    @Option(name: .customLong("phihat"), help: "Power-series coefficients of φ̂ from v^1 up. Omitted: pure noise.")
    var phiHat: String?

    @Option(name: .customLong("phi-norm2"), help: "‖φ‖² (default: Σ φ̂_k²/h_k, i.e. h(1) when φ̂ = h).")
    var phiNorm2: Double?

    @Option(help: "Activation σ instead of --h: linear, relu, tanh, erf, hermite:c1,c2,...")
    var activation: String?

    @Option(help: "Target φ with --activation (same names); omitted: pure noise.")
    var target: String?

    @Option(name: .customLong("hermite-degree"), help: "Hermite degree kept for --activation/--target. Default 12.")
    var hermiteDegree: Int?

    @Flag(name: .customLong("freeze-second-layer"), inversion: .prefixedNo,
          help: "Keep a fixed at its initial value (default: trained, or as in --config).")
    var freezeSecondLayer: Bool?

    @Flag(name: .customLong("freeze-first-layer"), inversion: .prefixedNo,
          help: "Keep W fixed at W(0) and train a only (random features; default: trained, or as in --config).")
    var freezeFirstLayer: Bool?

    @Option(name: .customLong("weight-decay"), help: "Weight decay λ ≥ 0 on the second layer: (λ/2m)‖a‖² added to the training risk. Default 0.")
    var weightDecay: Double?

    @Option(name: .customLong("lr-ratio"), help: "Learning-rate ratio κ > 0 of the second layer to the first (the a-equation times κ). Default 1.")
    var lrRatio: Double?

    /// The files the problem flags read (`--config`), which no output may overwrite.
    var inputFiles: [String] { config.map { [$0] } ?? [] }

    /// The problem described by `--config` (if any) with the flags applied on top; a flag
    /// that gives σ or φ another way clears the config's conflicting form of it.
    func spec(default fallback: ProblemSpec = ProblemSpec()) throws -> ProblemSpec {
        var s = try runConfig()?.problem ?? fallback
        if let width { s.width = width }
        if let alpha { s.alpha = alpha }
        if let noise { s.noise = noise }
        if let initialization { s.initialization = initialization }
        if let a0 { s.a0 = a0 }
        if let gamma0 { s.gamma0 = gamma0 }
        if let h { s.h = try parseCoefficientList(h, what: "--h"); s.activation = nil; s.target = nil }
        if let phiHat { s.phiHat = try parseCoefficientList(phiHat, what: "--phihat") }
        if let phiNorm2 { s.phiNorm2 = phiNorm2 }
        if let activation { s.activation = activation; s.h = nil; s.phiHat = nil; s.phiNorm2 = nil }
        if let target { s.target = target }
        if let hermiteDegree { s.hermiteDegree = hermiteDegree }
        if let freezeSecondLayer { s.freezeSecondLayer = freezeSecondLayer }
        if let freezeFirstLayer { s.freezeFirstLayer = freezeFirstLayer }
        if let weightDecay { s.weightDecay = weightDecay }
        if let lrRatio { s.lrRatio = lrRatio }
        if let groupSizes { s.groupSizes = try parseCountList(groupSizes, what: "--group-sizes") }
        if let groupA0 { s.groupA0 = try parseCoefficientList(groupA0, what: "--group-a0") }
        if let groupV0 { s.groupV0 = try parseCoefficientList(groupV0, what: "--group-v0") }
        if let groupDirections { s.groupDirections = try parseCountList(groupDirections, what: "--group-directions") }
        if initialization != nil, s.initialization.lowercased() != "groups" {
            (s.groupSizes, s.groupA0, s.groupV0, s.groupDirections) = (nil, nil, nil, nil)
        }
        return s
    }
}

/// Parses `"50,50"` into non-negative integers (at most 10⁷ each, at most 10⁵ entries).
func parseCountList(_ text: String, what: String) throws -> [Int] {
    let values = try parseCoefficientList(text, what: what)
    guard values.count <= 100_000 else { throw DMFTError.invalidInput("\(what): at most 100000 entries, got \(values.count)") }
    return try values.map { x in
        guard x == x.rounded(), x >= 0, x <= 1e7 else {
            throw DMFTError.invalidInput("\(what): '\(x)' is not a whole number in 0…10⁷ (in '\(text)')")
        }
        return Int(x)
    }
}
