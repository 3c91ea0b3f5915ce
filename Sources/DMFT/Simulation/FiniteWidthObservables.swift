import CNumerics

/// The DMFT observables measured on a finite network state, shared by every simulator:
/// first layer `W` (m rows of length d, unit norm), its initial value `W0`, second layer
/// `a`, latent direction `u`. The test error is the exact population risk
/// `½[τ² + ‖φ‖² − (2/m)Σ a_i φ̂(v_i) + (1/m²)Σ_ij a_i a_j h(<w_i,w_j>)]` (`PopulationRisk`),
/// which holds for Gaussian data whatever σ and φ are (through their covariances).
public enum FiniteWidthObservables {
    /// Column order of a simulator trajectory (before ensemble averaging).
    public static let columns: [Observable] = [
        .time, .trainError, .testError, .secondLayer, .gamma, .overlap,
        .diagonalCorrelationToStart, .offDiagonalCorrelation, .secondLayerL1,
    ]

    /// The column names for `problem`: `columns`, plus `GroupedObservables.groupColumns` for a grouped start.
    public static func names(for problem: TrainingProblem) -> [String] {
        guard let groups = problem.initialization.groups else { return columns.map(\.rawValue) }
        return GroupedObservables.simulatorColumns(groups)
    }

    /// One row in `names(for: problem)` order; `trainError` is measured by the caller on its training set.
    public static func row(
        time: Double, trainError: Double, w: [Double], w0: [Double], a: [Double], u: [Double]?,
        dimension d: Int, problem: TrainingProblem
    ) -> [Double] {
        let m = a.count
        let cov = problem.covariance
        let mi = Int32(m), di = Int32(d)
        // Overlaps W u, <W, W0> and the Gram matrix W Wᵀ (upper triangle) with BLAS.
        var overlaps = [Double](repeating: 0, count: m)
        if let u { cblas_dgemv(CblasRowMajor, CblasNoTrans, mi, di, 1, w, di, u, 1, 0, &overlaps, 1) }
        let cd = cblas_ddot(Int32(m * d), w, 1, w0, 1)
        var gram = [Double](repeating: 0, count: m * m)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, mi, di, 1, w, di, 0, &gram, mi)
        var co = 0.0
        var quadratic = 0.0
        for i in 0..<m {
            quadratic += a[i] * a[i] * cov.h(gram[i * m + i])
            for j in (i + 1)..<m {
                let c = gram[i * m + j]
                co += c
                quadratic += 2 * a[i] * a[j] * cov.h(c)
            }
        }
        let md = Double(m)
        var linear = 0.0
        for i in 0..<m { linear += a[i] * cov.phiHat(overlaps[i]) }
        let testError = PopulationRisk(problem).testError(linear: linear / md, quadratic: quadratic / (md * md))
        let meanA = a.reduce(0, +) / md
        let perGroup = problem.initialization.groups.map {
            GroupedObservables.simulatorGroupRow(groups: $0, w: w, w0: w0, a: a, overlaps: overlaps, dimension: d)
        } ?? []
        return [
            time, trainError, testError, meanA, meanA / md.squareRoot(), overlaps.reduce(0, +) / md,
            cd / md, m > 1 ? co / (md * (md - 1) / 2) : 0, a.reduce(0) { $0 + abs($1) } / md,
        ] + perGroup
    }
}
