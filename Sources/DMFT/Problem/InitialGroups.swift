/// A grouped start (`docs/equations.md`, Grouped DMFT): the m neurons fall into K groups of
/// sizes `m_1…m_K` (`Σ m_k = m`, neurons numbered group by group); every neuron of group k
/// starts with second-layer weight `a_k(0)` and overlap `v_k(0) = <u, w_i(0)>` with the latent
/// direction. The first layers are otherwise independent and uniform, except that groups
/// given the same `direction` label start from one shared random direction:
/// ```
/// C_ij(0,0) = 1                                                     (i = j)
///           = v_i v_j + √((1 − v_i²)(1 − v_j²)) · [label_i = label_j]  (i ≠ j)
/// ```
/// (the second term is 0 without labels). K = 1 is the symmetric start; `m_k = 1` for every k
/// is the general per-neuron start.
public struct InitialGroups: Sendable, Equatable {
    /// Group sizes `m_k ≥ 1`.
    public var sizes: [Int]
    /// `a_k(0)`, one per group.
    public var secondLayer: [Double]
    /// `v_k(0)`, one per group (all 0 for a uniform first layer).
    public var overlap: [Double]
    /// Shared-direction labels, one per group; `nil`: every neuron has its own direction.
    public var directions: [Int]?

    public init(sizes: [Int], secondLayer: [Double], overlap: [Double]? = nil, directions: [Int]? = nil) {
        self.sizes = sizes
        self.secondLayer = secondLayer
        self.overlap = overlap ?? Array(repeating: 0, count: sizes.count)
        self.directions = directions
    }

    /// One group per neuron: `a_i(0)` (and `v_i(0)`, direction labels) given neuron by neuron.
    public init(perNeuron secondLayer: [Double], overlap: [Double]? = nil, directions: [Int]? = nil) {
        self.init(
            sizes: Array(repeating: 1, count: secondLayer.count), secondLayer: secondLayer, overlap: overlap,
            directions: directions)
    }

    /// Number of groups K.
    public var count: Int { sizes.count }

    /// Total width `Σ m_k`.
    public var width: Int { sizes.reduce(0, +) }

    /// Throws `DMFTError.invalidInput` naming what is wrong for a network of width `m`.
    public func validate(width m: Int) throws {
        guard !sizes.isEmpty else { throw DMFTError.invalidInput("--group-sizes: at least one group is needed") }
        guard sizes.allSatisfy({ $0 >= 1 }) else {
            throw DMFTError.invalidInput("--group-sizes: every group needs at least one neuron, got \(sizes)")
        }
        guard width == m else {
            throw DMFTError.invalidInput("--group-sizes \(list(sizes)) add up to \(width), but --width is \(m)")
        }
        guard secondLayer.count == count else {
            throw DMFTError.invalidInput(
                "--group-a0 has \(secondLayer.count) values for \(count) groups (one a_k(0) per group)")
        }
        guard secondLayer.allSatisfy(\.isFinite) else { throw DMFTError.invalidInput("--group-a0 values must be finite") }
        guard overlap.count == count else {
            throw DMFTError.invalidInput("--group-v0 has \(overlap.count) values for \(count) groups (one v_k(0) per group)")
        }
        guard overlap.allSatisfy({ $0.isFinite && abs($0) <= 1 }) else {
            throw DMFTError.invalidInput("--group-v0 values are overlaps <u, w_i(0)> and must lie in [−1, 1]")
        }
        if let directions, directions.count != count {
            throw DMFTError.invalidInput(
                "--group-directions has \(directions.count) labels for \(count) groups (one label per group)")
        }
    }

    /// `C_ij(0,0)` for neurons `i ∈ g`, `j ∈ h`, `i ≠ j`.
    public func initialOverlap(_ g: Int, _ h: Int) -> Double {
        let shared = directions.map { $0[g] == $0[h] } ?? false
        let vg = overlap[g], vh = overlap[h]
        return vg * vh + (shared ? ((1 - vg * vg) * (1 - vh * vh)).squareRoot() : 0)
    }

    /// The group of every neuron, in neuron order.
    public var groupOfNeuron: [Int] { sizes.enumerated().flatMap { g, size in Array(repeating: g, count: size) } }

    /// `a_i(0)` neuron by neuron.
    public var perNeuronSecondLayer: [Double] { groupOfNeuron.map { secondLayer[$0] } }

    /// Whether the start is the symmetric one (`a_i(0)` all equal, `v = 0`, independent directions).
    public var isSymmetric: Bool {
        Set(secondLayer).count == 1 && overlap.allSatisfy { $0 == 0 }
            && (directions == nil || sizes.allSatisfy { $0 == 1 } && Set(directions!).count == count)
    }

    public var description: String {
        var text = "groups(sizes=\(list(sizes)), a0=\(list(secondLayer))"
        if overlap.contains(where: { $0 != 0 }) { text += ", v0=\(list(overlap))" }
        if let directions { text += ", directions=\(list(directions))" }
        return text + ")"
    }

    private func list<T>(_ values: [T]) -> String { values.map { "\($0)" }.joined(separator: ",") }
}
