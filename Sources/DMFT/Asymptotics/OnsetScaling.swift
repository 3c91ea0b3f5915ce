import CNumerics
import Foundation

/// The slow time scale of a mean-field start (arXiv:2502.21269, the late-time figures: a/√m
/// against t/m): the onset time `t₀(m; c)`, the first time the second layer reaches
/// `a = c√m`, measured on DMFT curves at several widths, and its extrapolation
/// `t₀(m; c)/m = t*(c) + A(c)·m^(−κ(c))` (`OffsetPowerLawFit`). The correction
/// `δ(m; c) = t₀(m; c) − t*(c)·m = A·m^(1−κ)` then grows like `m^β` with `β = 1 − κ`.
///
/// The paper's window (its eq. 2.11) is the `w(m)` for which `a(t₀(m; c) + z·w(m))/√m`
/// converges to a master curve `γ(z)`. If it does, the time between two levels is
/// `t₀(m; c₂) − t₀(m; c₁) = w(m)·[z(c₂) − z(c₁)]`: so `w(m) = t₀(m; c_hi) − t₀(m; c_lo)` is that
/// window up to a constant factor, and the collapse itself is tested by the ratios
/// `(t₀(m; c) − t₀(m; c_lo))/w(m)` of the levels in between, which must not depend on m.
/// `w(m)` is fitted as `B·m^ζ` (least squares in log–log). Method and results: `docs/slow-scale.md`.
public struct OnsetScaling: Sendable {
    /// One width's onset at one level.
    public struct Onset: Sendable, Equatable {
        public let width: Int
        public let level: Double
        /// `t₀(m; c)`, or nil when the curve never reaches `c√m`.
        public let time: Double?
    }

    /// The extrapolation at one level, or why there is none.
    public struct LevelFit: Sendable {
        public let level: Double
        /// Widths whose curve reached the level.
        public let widths: [Int]
        public let fit: OffsetPowerLawFit?
        /// Why `fit` is nil (too few widths, or the fit failed).
        public let note: String?
    }

    /// `w(m) = t₀(m; c_hi) − t₀(m; c_lo)` and its fit `B·m^ζ`.
    public struct Window: Sendable {
        public let lowLevel: Double, highLevel: Double
        public let widths: [Int]
        public let values: [Double]
        /// Per width (same order), `(t₀(m; c) − t₀(m; c_lo))/w(m)` for each level strictly between.
        public let ratios: [[Double: Double]]
        /// `ζ` and `log B` with standard errors and intervals; nil with fewer than 3 widths.
        public let exponent: Double?, exponentStandardError: Double?, exponentInterval: ClosedRange<Double>?
        public let logAmplitude: Double?
    }

    public let onsets: [Onset]
    public let fits: [LevelFit]
    /// The window between the lowest and highest level (nil with one level).
    public let window: Window?

    /// Onsets of every curve at every level, and the fit per level over the widths that
    /// reached it. Widths must be distinct.
    public init(curves: [(width: Int, trajectory: Trajectory)], levels: [Double], confidenceLevel: Double = 0.95) throws {
        guard Set(curves.map(\.width)).count == curves.count else {
            throw DMFTError.invalidInput("onset scaling: give each width once, got \(curves.map(\.width))")
        }
        guard !levels.isEmpty, levels.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw DMFTError.invalidInput("onset scaling: levels c must be finite and positive, got \(levels)")
        }
        let sorted = curves.sorted { $0.width < $1.width }
        var onsets: [Onset] = []
        var fits: [LevelFit] = []
        for c in levels {
            let here = try sorted.map { curve in
                Onset(width: curve.width, level: c, time: try Self.onsetTime(curve.trajectory, width: curve.width, level: c))
            }
            onsets += here
            let reached = here.filter { $0.time != nil }
            let x = reached.map { Double($0.width) }, y = reached.map { $0.time! / Double($0.width) }
            var fit: OffsetPowerLawFit? = nil
            var note: String? = nil
            if reached.count < 4 {
                note = "\(reached.count) width\(reached.count == 1 ? "" : "s") reached a = \(c)·√m; the fit needs 4"
            } else {
                do {
                    fit = try OffsetPowerLawFit(x: x, y: y, confidenceLevel: confidenceLevel)
                } catch DMFTError.diverged(let reason) {
                    note = reason  // the fit's own reason, e.g. t₀/m not settling: no "integration" involved
                } catch {
                    note = "\(error)"
                }
            }
            fits.append(LevelFit(level: c, widths: reached.map(\.width), fit: fit, note: note))
        }
        (self.onsets, self.fits) = (onsets, fits)
        window = levels.count < 2 ? nil : Self.window(onsets, levels: levels.sorted(), confidenceLevel: confidenceLevel)
    }

    static func window(_ onsets: [Onset], levels: [Double], confidenceLevel: Double) -> Window {
        let (low, high) = (levels.first!, levels.last!)
        let time = { (m: Int, c: Double) in onsets.first { $0.width == m && $0.level == c }?.time }
        var widths: [Int] = [], values: [Double] = [], ratios: [[Double: Double]] = []
        for m in Set(onsets.map(\.width)).sorted() {
            guard let t1 = time(m, low), let t2 = time(m, high), t2 > t1 else { continue }
            widths.append(m)
            values.append(t2 - t1)
            var r: [Double: Double] = [:]
            for c in levels.dropFirst().dropLast() { if let t = time(m, c) { r[c] = (t - t1) / (t2 - t1) } }
            ratios.append(r)
        }
        guard widths.count >= 3 else {
            return Window(lowLevel: low, highLevel: high, widths: widths, values: values, ratios: ratios,
                          exponent: nil, exponentStandardError: nil, exponentInterval: nil, logAmplitude: nil)
        }
        // log w = log B + ζ log m by least squares; se(ζ) = s/√Sxx with s² = RSS/(N − 2).
        let x = widths.map { log(Double($0)) }, y = values.map { log($0) }, n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let zeta = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
        let rss = zip(x, y).reduce(0) { $0 + pow($1.1 - my - zeta * ($1.0 - mx), 2) }
        let se = (rss / (n - 2) / sxx).squareRoot()
        let q = gsl_cdf_tdist_Pinv(0.5 * (1 + confidenceLevel), n - 2)
        return Window(lowLevel: low, highLevel: high, widths: widths, values: values, ratios: ratios,
                      exponent: zeta, exponentStandardError: se, exponentInterval: (zeta - q * se)...(zeta + q * se),
                      logAmplitude: my - zeta * mx)
    }

    /// The first time `a(t) ≥ c√m` on the trajectory (linear interpolation between rows), or
    /// nil when it never gets there. A curve that starts at or above the level has `t₀ = t₀ of
    /// its first row`.
    public static func onsetTime(_ trajectory: Trajectory, width: Int, level c: Double) throws -> Double? {
        guard let a = trajectory["a"] else { throw DMFTError.invalidInput("onset scaling: the curve has no column a") }
        let t = trajectory.time, target = c * Double(width).squareRoot()
        guard let first = a.first else { return nil }
        if first >= target { return t[0] }
        for k in 1..<a.count where a[k] >= target {
            let w = (target - a[k - 1]) / (a[k] - a[k - 1])
            return t[k - 1] + w * (t[k] - t[k - 1])
        }
        return nil
    }

    /// `m,c,t0,t0_over_m` (empty cells where the level was not reached).
    public var onsetCSV: String {
        "m,c,t0,t0_over_m\n" + onsets.map { o in
            let t = o.time.map { "\($0)" } ?? "", r = o.time.map { "\($0 / Double(o.width))" } ?? ""
            return "\(o.width),\(o.level),\(t),\(r)\n"
        }.joined()
    }

    /// One row per level: `t*`, `A`, `κ` and `β = 1 − κ` with standard errors and intervals, or
    /// the note saying why there is no fit.
    public var fitCSV: String {
        let header = "c,widths,t_star,t_star_se,t_star_lo,t_star_hi,A,A_se,kappa,kappa_se,kappa_lo,kappa_hi,"
            + "beta,beta_lo,beta_hi,rss,dof,confidence,note\n"
        return header + fits.map { f in
            let widths = f.widths.map(String.init).joined(separator: " ")
            guard let p = f.fit else { return "\(f.level),\(widths)" + String(repeating: ",", count: 17) + "\"\(f.note ?? "")\"\n" }
            let cells: [Double] = [
                p.limit, p.limitStandardError, p.limitInterval.lowerBound, p.limitInterval.upperBound,
                p.amplitude, p.amplitudeStandardError, p.exponent, p.exponentStandardError,
                p.exponentInterval.lowerBound, p.exponentInterval.upperBound,
                1 - p.exponent, 1 - p.exponentInterval.upperBound, 1 - p.exponentInterval.lowerBound, p.residualSumOfSquares,
            ]
            return "\(f.level),\(widths)," + cells.map { "\($0)" }.joined(separator: ",")
                + ",\(p.degreesOfFreedom),\(p.confidenceLevel),\n"
        }.joined()
    }

    /// `m,w,` then the ratio of each level between the window's ends (empty without a window).
    public var windowCSV: String {
        guard let window else { return "" }
        let inner = window.ratios.flatMap(\.keys).reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }.sorted()
        var text = "m,c_lo,c_hi,w" + inner.map { ",ratio_c\($0)" }.joined() + "\n"
        for (k, m) in window.widths.enumerated() {
            text += "\(m),\(window.lowLevel),\(window.highLevel),\(window.values[k])"
                + inner.map { c in ",\(window.ratios[k][c].map { "\($0)" } ?? "")" }.joined() + "\n"
        }
        return text
    }
}
