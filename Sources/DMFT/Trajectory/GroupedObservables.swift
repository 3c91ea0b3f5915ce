/// The columns of a grouped run (`InitialGroups`), shared by the grouped DMFT and the
/// simulators so that `dmft compare` can overlay them: the usual columns, with `a`, `v`,
/// `Cd_t0`, `Co_tt`, `nu` the averages over neurons (over pairs `i ≠ j` for `Co_tt`), plus per
/// group k (numbered from 1) `a_gk`, `v_gk`, `Cd_t0_gk` and, for groups k ≤ l holding two
/// distinct neurons, `Co_tt_gk_gl = C_ij(t,t)` (`i ∈ k`, `j ∈ l`, `i ≠ j`); the DMFT adds `nu_gk`.
public enum GroupedObservables {
    /// Per-group column names (without the DMFT-only `nu_gk`).
    public static func groupColumns(_ groups: InitialGroups) -> [String] {
        let k = groups.count
        var names: [String] = []
        for g in 1...k { names += ["a_g\(g)", "v_g\(g)", "Cd_t0_g\(g)"] }
        for (g, h) in pairs(groups) { names.append("Co_tt_g\(g + 1)_g\(h + 1)") }
        return names
    }

    /// The pairs of groups `g ≤ h` (0-based) with two distinct neurons.
    static func pairs(_ groups: InitialGroups) -> [(Int, Int)] {
        var list: [(Int, Int)] = []
        for g in 0..<groups.count {
            for h in g..<groups.count where g != h || groups.sizes[g] >= 2 { list.append((g, h)) }
        }
        return list
    }

    /// Columns of a grouped DMFT trajectory.
    public static func dmftColumns(_ groups: InitialGroups) -> [String] {
        Observable.dmftColumns.map(\.rawValue) + [Observable.secondLayerL1.rawValue] + groupColumns(groups)
            + (1...groups.count).map { "nu_g\($0)" }
    }

    /// Columns of a grouped simulator trajectory.
    public static func simulatorColumns(_ groups: InitialGroups) -> [String] {
        FiniteWidthObservables.columns.map(\.rawValue) + groupColumns(groups)
    }

    /// One DMFT row in `dmftColumns` order from the per-group values at time t.
    static func row(
        time: Double, trainError: Double, testError: Double, a: [Double], v: [Double], correlationToStart: [Double],
        equalTimeOverlap co: (Int, Int) -> Double, multiplier nu: [Double], groups: InitialGroups
    ) -> [Double] {
        let m = Double(groups.width), k = groups.count
        let share = groups.sizes.map { Double($0) / m }
        func mean(_ x: [Double]) -> Double { (0..<k).reduce(0) { $0 + share[$1] * x[$1] } }
        var pairSum = 0.0
        for g in 0..<k {
            for h in 0..<k where g != h || groups.sizes[g] >= 2 {
                pairSum += share[g] * (Double(groups.sizes[h]) - (g == h ? 1 : 0)) * co(g, h)
            }
        }
        let meanA = mean(a)
        var row = [
            time, trainError, testError, meanA, meanA / m.squareRoot(), mean(v), mean(correlationToStart),
            m > 1 ? pairSum / (m - 1) : 0, mean(nu), mean(a.map(abs)),
        ]
        for g in 0..<k { row += [a[g], v[g], correlationToStart[g]] }
        for (g, h) in pairs(groups) { row.append(co(g, h)) }
        return row + nu
    }

    /// The per-group simulator columns from one finite network state (`w`, `w0`: m rows of
    /// length d; `overlaps[i] = <u, w_i>`), in `groupColumns` order.
    static func simulatorGroupRow(
        groups: InitialGroups, w: [Double], w0: [Double], a: [Double], overlaps: [Double], dimension d: Int
    ) -> [Double] {
        let members = groups.groupOfNeuron
        let k = groups.count
        func dot(_ x: [Double], _ i: Int, _ y: [Double], _ j: Int) -> Double {
            var s = 0.0
            for c in 0..<d { s += x[i * d + c] * y[j * d + c] }
            return s
        }
        var row: [Double] = []
        for g in 0..<k {
            let units = members.indices.filter { members[$0] == g }
            let size = Double(units.count)
            row += [
                units.reduce(0) { $0 + a[$1] } / size, units.reduce(0) { $0 + overlaps[$1] } / size,
                units.reduce(0) { $0 + dot(w, $1, w0, $1) } / size,
            ]
        }
        for (g, h) in pairs(groups) {
            var sum = 0.0, count = 0.0
            for i in members.indices where members[i] == g {
                for j in members.indices where members[j] == h && j != i {
                    sum += dot(w, i, w, j)
                    count += 1
                }
            }
            row.append(sum / count)
        }
        return row
    }
}
