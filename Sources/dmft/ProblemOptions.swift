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

    @Option(name: .customLong("init"), help: "Second-layer initialisation: meanfield (a_i(0) = a0) or lazy (a_i(0) = gamma0·√m).")
    var initialization: String?

    @Option(name: .customLong("a0"), help: "Mean-field initial second-layer weight. Default 1.")
    var a0: Double?

    @Option(name: .customLong("gamma0"), help: "Lazy initial second-layer scale γ₀. Default 1.")
    var gamma0: Double?

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
        return s
    }
}
