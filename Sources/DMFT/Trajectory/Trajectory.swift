/// The observables every solver and simulator reports, by their column names in output
/// files. The names are a contract other tools rely on.
public enum Observable: String, CaseIterable, Sendable {
    /// Gradient-flow time `t` (time factor `n/d`).
    case time = "t"
    /// Training error `e_tr = −½ C_A(t,t)` (DMFT) or `(1/2n) Σ (y − f)²` (simulation).
    case trainError = "e_train"
    /// Test error `½ E (y − f)²` on fresh data.
    case testError = "e_test"
    /// Second-layer weight `a(t)` (mean over units for simulations).
    case secondLayer = "a"
    /// `γ(t) = a(t)/√m`.
    case gamma = "gamma"
    /// Overlap `v(t) = <u, w(t)>` with the latent direction (mean over units).
    case overlap = "v"
    /// `C_d(t, 0) = <w_i(t), w_i(0)>`.
    case diagonalCorrelationToStart = "Cd_t0"
    /// `C_o(t, t) = <w_i(t), w_j(t)>`, `i ≠ j`.
    case offDiagonalCorrelation = "Co_tt"
    /// Lagrange multiplier `ν(t)` keeping `‖w_i‖ = 1`.
    case lagrangeMultiplier = "nu"
    /// `‖a‖₁/m` (equals |a| under symmetric initialisation).
    case secondLayerL1 = "a_l1"

    /// The columns of a DMFT trajectory, in file order.
    public static let dmftColumns: [Observable] = [
        .time, .trainError, .testError, .secondLayer, .gamma, .overlap,
        .diagonalCorrelationToStart, .offDiagonalCorrelation, .lagrangeMultiplier,
    ]
}

/// Observables on a time axis: a table with named columns, the first being `t`.
/// Whichever solver produced it, it has the same shape, so any two can be overlaid.
public struct Trajectory: Sendable, Equatable {
    /// Column names in order; `names[0] == "t"`.
    public let names: [String]
    private var columns: [[Double]]

    /// An empty trajectory with the given columns (the first must be `t`).
    public init(names: [String]) {
        precondition(names.first == Observable.time.rawValue, "the first column of a trajectory is t")
        precondition(Set(names).count == names.count, "duplicate column names")
        self.names = names
        self.columns = Array(repeating: [], count: names.count)
    }

    /// An empty trajectory with the given observables as columns.
    public init(observables: [Observable]) { self.init(names: observables.map(\.rawValue)) }

    /// Number of time points.
    public var count: Int { columns[0].count }

    /// The time axis.
    public var time: [Double] { columns[0] }

    /// Appends one time point; `row` holds a value for every column, in order.
    public mutating func append(_ row: [Double]) {
        precondition(row.count == names.count, "row has \(row.count) values for \(names.count) columns")
        for i in row.indices { columns[i].append(row[i]) }
    }

    /// Reserves space for `n` rows.
    public mutating func reserveCapacity(_ n: Int) {
        for i in columns.indices { columns[i].reserveCapacity(n) }
    }

    /// The column named `name`, or `nil`.
    public subscript(name: String) -> [Double]? {
        names.firstIndex(of: name).map { columns[$0] }
    }

    /// The column of an observable, or `nil` if this trajectory does not report it.
    public subscript(observable: Observable) -> [Double]? { self[observable.rawValue] }

    /// Row `i` as values in column order.
    public func row(_ i: Int) -> [Double] { columns.map { $0[i] } }

    /// Whether every value is finite.
    public var isFinite: Bool { columns.allSatisfy { $0.allSatisfy(\.isFinite) } }

    /// Linear interpolation of column `name` at time `t` (clamped to the time range).
    public func value(_ name: String, at t: Double) -> Double? {
        guard let y = self[name], count > 0 else { return nil }
        let x = time
        if t <= x[0] { return y[0] }
        if t >= x[count - 1] { return y[count - 1] }
        var lo = 0, hi = count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if x[mid] <= t { lo = mid } else { hi = mid }
        }
        let w = (t - x[lo]) / (x[hi] - x[lo])
        return y[lo] + w * (y[hi] - y[lo])
    }
}
