import Foundation

/// A serialisable description of a training problem: the command-line flags as a
/// value, read from and written to JSON (the `problem` object of every run's sidecar).
/// Either `h` (power series) or `activation` (a function) gives σ's covariance.
public struct ProblemSpec: Codable, Sendable, Equatable {
    public var width: Int = 50
    public var alpha: Double = 0.3
    public var noise: Double = 0.6
    /// `"meanfield"` or `"lazy"`.
    public var initialization: String = "meanfield"
    public var a0: Double = 1
    public var gamma0: Double = 1
    /// Coefficients of `q^1, q^2, …` of h.
    public var h: [Double]? = [0.9, 0, 1.0 / 6]
    /// Coefficients of `v^1, v^2, …` of φ̂; absent means pure noise.
    public var phiHat: [Double]? = nil
    /// `‖φ‖²`; absent means the smallest admissible value `Σ φ̂_k²/h_k`.
    public var phiNorm2: Double? = nil
    /// Activation name (see `Activation(parsing:)`); replaces `h` when present.
    public var activation: String? = nil
    /// Target link function name; with `activation`, makes the data single-index.
    public var target: String? = nil
    /// Hermite degree kept when reducing functions to covariances.
    public var hermiteDegree: Int = 12
    public var freezeSecondLayer: Bool = false
    /// `--freeze-first-layer`: train a only (random features).
    public var freezeFirstLayer: Bool = false
    /// `--weight-decay`: λ of the penalty `(λ/2m)‖a‖²`.
    public var weightDecay: Double = 0
    /// `--lr-ratio`: κ, the second layer's learning rate relative to the first's.
    public var lrRatio: Double = 1
    /// `--init groups`: the group sizes (absent: one group per neuron).
    public var groupSizes: [Int]? = nil
    /// `--init groups`: `a_k(0)` per group.
    public var groupA0: [Double]? = nil
    /// `--init groups`: `v_k(0)` per group (absent: 0).
    public var groupV0: [Double]? = nil
    /// `--init groups`: shared-direction labels per group (absent: independent first layers).
    public var groupDirections: [Int]? = nil

    public init() {}

    /// The built-in default example: the paper's single-index setting (Fig. 4/5 family),
    /// `h = φ̂ = 0.9q + q³/6`, α = 0.3, τ = 0.6, mean-field init a₀ = 1, m = 50.
    public static var defaultExample: ProblemSpec {
        var s = ProblemSpec()
        s.phiHat = s.h
        return s
    }

    /// The validated problem.
    public func makeProblem() throws -> TrainingProblem {
        let covariance: CovarianceModel
        if let activation {
            guard phiHat == nil, phiNorm2 == nil else {
                throw DMFTError.invalidInput(
                    "give the target either as a function (--target) or as φ̂/‖φ‖² (--phihat/--phi-norm2), not both")
            }
            covariance = try CovarianceModel(
                activation: Activation(parsing: activation), target: target.map(Activation.init(parsing:)),
                degree: hermiteDegree)
        } else {
            guard target == nil else {
                throw DMFTError.invalidInput("--target needs --activation (functions are reduced together)")
            }
            guard let h else { throw DMFTError.invalidInput("give h (--h) or an activation (--activation)") }
            covariance = try CovarianceModel(h: h, phiHat: phiHat, phiNorm2: phiNorm2)
        }
        let initial: Initialization
        switch initialization.lowercased() {
        case "meanfield", "mean-field", "mf": initial = .meanField(a0: a0)
        case "lazy": initial = .lazy(gamma0: gamma0)
        case "groups": initial = .groups(try makeGroups())
        default:
            throw DMFTError.invalidInput("--init must be 'meanfield', 'lazy' or 'groups', got '\(initialization)'")
        }
        let isGrouped = initialization.lowercased() == "groups"
        if !isGrouped, groupSizes != nil || groupA0 != nil || groupV0 != nil || groupDirections != nil {
            throw DMFTError.invalidInput(
                "--group-sizes, --group-a0, --group-v0 and --group-directions need --init groups (got --init \(initialization))")
        }
        return try TrainingProblem(
            width: width, alpha: alpha, noise: noise, covariance: covariance, initialization: initial,
            trainSecondLayer: !freezeSecondLayer, trainFirstLayer: !freezeFirstLayer, weightDecay: weightDecay,
            learningRateRatio: lrRatio)
    }

    /// The grouped start of `--init groups`: `group_a0` is required; without `group_sizes` it lists
    /// one value per neuron.
    private func makeGroups() throws -> InitialGroups {
        guard let groupA0 else {
            throw DMFTError.invalidInput("--init groups needs --group-a0 (a_k(0) per group, or per neuron without --group-sizes)")
        }
        let sizes = groupSizes ?? Array(repeating: 1, count: groupA0.count)
        if groupSizes == nil && groupA0.count != width {
            throw DMFTError.invalidInput(
                "without --group-sizes, --group-a0 lists one value per neuron: \(groupA0.count) values for --width \(width)")
        }
        let groups = InitialGroups(sizes: sizes, secondLayer: groupA0, overlap: groupV0, directions: groupDirections)
        try groups.validate(width: width)
        return groups
    }

    /// The JSON keys (the command-line flag names where they exist).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case width, alpha, noise, initialization = "init", a0, gamma0, h, phiHat = "phihat",
            phiNorm2 = "phi_norm2", activation, target, hermiteDegree = "hermite_degree",
            freezeSecondLayer = "freeze_second_layer", groupSizes = "group_sizes", groupA0 = "group_a0",
            groupV0 = "group_v0", groupDirections = "group_directions", freezeFirstLayer = "freeze_first_layer",
            weightDecay = "weight_decay", lrRatio = "lr_ratio"
    }

    /// Every key, except that the training options (`freeze_first_layer`, `weight_decay`,
    /// `lr_ratio`) are written only when they differ from their defaults, so that a run without
    /// them keeps the record (and scan hash) it had before they existed.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(width, forKey: .width)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(noise, forKey: .noise)
        try c.encode(initialization, forKey: .initialization)
        try c.encode(a0, forKey: .a0)
        try c.encode(gamma0, forKey: .gamma0)
        try c.encodeIfPresent(h, forKey: .h)
        try c.encodeIfPresent(phiHat, forKey: .phiHat)
        try c.encodeIfPresent(phiNorm2, forKey: .phiNorm2)
        try c.encodeIfPresent(activation, forKey: .activation)
        try c.encodeIfPresent(target, forKey: .target)
        try c.encode(hermiteDegree, forKey: .hermiteDegree)
        try c.encode(freezeSecondLayer, forKey: .freezeSecondLayer)
        try c.encodeIfPresent(groupSizes, forKey: .groupSizes)
        try c.encodeIfPresent(groupA0, forKey: .groupA0)
        try c.encodeIfPresent(groupV0, forKey: .groupV0)
        try c.encodeIfPresent(groupDirections, forKey: .groupDirections)
        if freezeFirstLayer { try c.encode(freezeFirstLayer, forKey: .freezeFirstLayer) }
        if weightDecay != 0 { try c.encode(weightDecay, forKey: .weightDecay) }
        if lrRatio != 1 { try c.encode(lrRatio, forKey: .lrRatio) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ProblemSpec()
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? d.alpha
        noise = try c.decodeIfPresent(Double.self, forKey: .noise) ?? d.noise
        initialization = try c.decodeIfPresent(String.self, forKey: .initialization) ?? d.initialization
        a0 = try c.decodeIfPresent(Double.self, forKey: .a0) ?? d.a0
        gamma0 = try c.decodeIfPresent(Double.self, forKey: .gamma0) ?? d.gamma0
        activation = try c.decodeIfPresent(String.self, forKey: .activation)
        h = try c.decodeIfPresent([Double].self, forKey: .h) ?? (activation == nil ? d.h : nil)
        phiHat = try c.decodeIfPresent([Double].self, forKey: .phiHat)
        phiNorm2 = try c.decodeIfPresent(Double.self, forKey: .phiNorm2)
        target = try c.decodeIfPresent(String.self, forKey: .target)
        hermiteDegree = try c.decodeIfPresent(Int.self, forKey: .hermiteDegree) ?? d.hermiteDegree
        freezeSecondLayer = try c.decodeIfPresent(Bool.self, forKey: .freezeSecondLayer) ?? false
        freezeFirstLayer = try c.decodeIfPresent(Bool.self, forKey: .freezeFirstLayer) ?? false
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        lrRatio = try c.decodeIfPresent(Double.self, forKey: .lrRatio) ?? d.lrRatio
        groupSizes = try c.decodeIfPresent([Int].self, forKey: .groupSizes)
        groupA0 = try c.decodeIfPresent([Double].self, forKey: .groupA0)
        groupV0 = try c.decodeIfPresent([Double].self, forKey: .groupV0)
        groupDirections = try c.decodeIfPresent([Int].self, forKey: .groupDirections)
    }
}
