import Foundation

/// The time axis of a figure: `t`, or `t` rescaled by the width m to compare regimes
/// across widths (`t·m` for the lazy regime, `t/√m`, `t/m` for the late, m-dependent one).
public enum TimeAxis: String, CaseIterable, Sendable {
    case t
    case tTimesM = "t*m"
    case tOverSqrtM = "t/sqrt(m)"
    case tOverM = "t/m"

    /// Whether rescaling needs the width m.
    public var needsWidth: Bool { self != .t }

    /// `t` on this axis for width `m`.
    public func rescaled(_ t: Double, width m: Double) -> Double {
        switch self {
        case .t: return t
        case .tTimesM: return t * m
        case .tOverSqrtM: return t / m.squareRoot()
        case .tOverM: return t / m
        }
    }

    /// The axis label.
    public var label: String {
        switch self {
        case .t: return "t"
        case .tTimesM: return "t·m"
        case .tOverSqrtM: return "t/√m"
        case .tOverM: return "t/m"
        }
    }
}

/// Standard figures of trajectories: one panel per observable, theory as lines and
/// simulations (trajectories with `<name>_se` columns) as markers with error bars.
public enum StandardFigure {
    /// A panel of `observables(_:…)`, named by its column (the name used by `dmft plot --panels`).
    public enum Panel: String, CaseIterable, Sendable {
        /// `e_train` (solid line / filled circles) and `e_test` (dashed / open squares).
        case error
        /// `a/√m` (column `gamma`), or `‖a‖₁/m` (column `a_l1`) when any input has it.
        case secondLayer = "a"
        /// `v`.
        case overlap = "v"
        /// `C_d(t, 0)`.
        case correlationToStart = "Cd_t0"
        /// `C_o(t, t)` (not drawn by default).
        case offDiagonalCorrelation = "Co_tt"
        /// `ν` (DMFT only).
        case lagrangeMultiplier = "nu"

        /// Panels drawn when none are asked for (each only if some input has its column).
        public static let defaults: [Panel] = [.error, .secondLayer, .overlap, .correlationToStart, .lagrangeMultiplier]
    }

    /// One trajectory with its legend label and width m (needed for rescaled time axes;
    /// when every input has one and they differ, curves are coloured by m).
    public typealias Input = (label: String, width: Int?, trajectory: Trajectory)

    /// Whether a trajectory comes from a simulation (has standard-error columns).
    public static func isSimulation(_ trajectory: Trajectory) -> Bool {
        trajectory.names.contains { $0.hasSuffix("_se") }
    }

    /// The figure of train and test error, second layer, overlap, `C_d(t, 0)` and `ν`
    /// (or `panels`) against `timeAxis`, logarithmic in time with `logTime` (t = 0 dropped).
    /// Simulations are thinned to at most `maxMarkers` markers per curve, evenly spaced
    /// along the drawn time axis. Panels without data in any input are left out unless
    /// asked for by `panels`, which is then an error.
    public static func observables(
        _ inputs: [Input], timeAxis: TimeAxis = .t, logTime: Bool = false, panels: [Panel]? = nil,
        maxMarkers: Int = 30, style: PlotStyle = PlotStyle()
    ) throws -> Figure {
        guard !inputs.isEmpty else { throw DMFTError.invalidInput("nothing to plot: no trajectories given") }
        if timeAxis.needsWidth, let missing = inputs.first(where: { $0.width == nil }) {
            throw DMFTError.invalidInput(
                "the time axis \(timeAxis.rawValue) needs the width m of '\(missing.label)'")
        }
        if let bad = inputs.first(where: { ($0.width ?? 1) <= 0 }) {
            throw DMFTError.invalidInput("width of '\(bad.label)' must be positive, got \(bad.width!)")
        }
        let colours = colours(for: inputs)
        let xScale: AxisScale = logTime ? .log : .linear
        let xLabel = timeAxis.label

        // Rescaled time and the rows kept (t = 0 and below dropped on a log axis).
        let times: [(x: [Double], rows: [Int])] = inputs.map { input in
            let m = Double(input.width ?? 1)
            var x: [Double] = [], rows: [Int] = []
            for (i, t) in input.trajectory.time.enumerated() where !logTime || t > 0 {
                x.append(timeAxis.rescaled(t, width: m))
                rows.append(i)
            }
            return (x, rows)
        }

        // Markers are thinned to an even spacing along the drawn axis, the same for every
        // curve: at most `maxMarkers` across the whole time range of the figure.
        let display = { (x: Double) in xScale == .log ? Foundation.log10(x) : x }
        let shown = times.flatMap(\.x).filter { $0.isFinite && (xScale == .linear || $0 > 0) }.map(display)
        let spacing = (shown.max() ?? 0) - (shown.min() ?? 0) > 0 && maxMarkers >= 2
            ? ((shown.max() ?? 0) - (shown.min() ?? 0)) / Double(maxMarkers - 1) : 0
        func thinned(_ k: Int) -> [Int] {
            let u = times[k].x.map(display)
            guard spacing > 0, let lo = u.first, let hi = u.last, hi > lo, (hi - lo) / Double(u.count - 1) < spacing else {
                return Array(u.indices)
            }
            var chosen: [Int] = []
            var j = 0
            let count = Int(((hi - lo) / spacing).rounded(.down))
            for step in 0...count {
                let target = lo + spacing * Double(step)
                while j + 1 < u.count, abs(u[j + 1] - target) <= abs(u[j] - target) { j += 1 }
                if chosen.last != j { chosen.append(j) }
            }
            // The last point too, unless it would crowd the previous marker.
            if let last = chosen.last, last != u.count - 1, u[u.count - 1] - u[last] >= spacing / 2 {
                chosen.append(u.count - 1)
            }
            return chosen
        }

        /// The series of one column for input `k`, or nil if it lacks the column.
        func series(
            _ k: Int, column: String, dash: PlotSeries.Dash = .solid, marker: PlotSeries.Marker = .circle,
            filled: Bool = true, transform: (Double) -> Double = { $0 }
        ) -> PlotSeries? {
            let trajectory = inputs[k].trajectory
            guard let values = trajectory[column] else { return nil }
            let rows = times[k].rows
            if isSimulation(trajectory) {
                let keep = thinned(k)
                let errors = trajectory[column + "_se"]
                return PlotSeries(
                    label: "", x: keep.map { times[k].x[$0] }, y: keep.map { transform(values[rows[$0]]) },
                    yError: errors.map { e in keep.map { abs(e[rows[$0]]) } }, style: .markers, colour: colours[k],
                    marker: marker, filled: filled)
            }
            return PlotSeries(
                label: "", x: times[k].x, y: rows.map { transform(values[$0]) }, style: .line, colour: colours[k],
                dash: dash)
        }

        let anyHas = { (column: String) in inputs.contains { $0.trajectory[column] != nil } }
        let requested = panels ?? Panel.defaults
        var built: [PlotPanel] = []
        for panel in requested {
            var p: PlotPanel
            switch panel {
            case .error:
                guard anyHas(Observable.trainError.rawValue) || anyHas(Observable.testError.rawValue) else {
                    if panels != nil { throw missing(panel, "e_train or e_test") }
                    continue
                }
                var all: [PlotSeries] = []
                for k in inputs.indices {
                    if let s = series(k, column: Observable.trainError.rawValue) { all.append(s) }
                    if let s = series(k, column: Observable.testError.rawValue, dash: .dashed, marker: .square, filled: false) {
                        all.append(s)
                    }
                }
                p = PlotPanel(title: "train and test error", xLabel: xLabel, yLabel: "error", xScale: xScale, series: all)
                p.legend = errorKey(inputs)
            case .secondLayer:
                let l1 = Observable.secondLayerL1.rawValue
                if anyHas(l1) {
                    // ‖a‖₁/m; a DMFT trajectory (symmetric initialisation) has ‖a‖₁/m = |a|.
                    let all = inputs.indices.compactMap { k in
                        inputs[k].trajectory[l1] != nil
                            ? series(k, column: l1) : series(k, column: Observable.secondLayer.rawValue, transform: abs)
                    }
                    p = PlotPanel(title: "second layer", xLabel: xLabel, yLabel: "‖a‖₁/m", xScale: xScale, series: all)
                } else {
                    guard anyHas(Observable.gamma.rawValue) else {
                        if panels != nil { throw missing(panel, "gamma or a_l1") }
                        continue
                    }
                    let all = inputs.indices.compactMap { series($0, column: Observable.gamma.rawValue) }
                    p = PlotPanel(title: "second layer", xLabel: xLabel, yLabel: "a/√m", xScale: xScale, series: all)
                }
            case .overlap, .correlationToStart, .offDiagonalCorrelation, .lagrangeMultiplier:
                let column = panel.rawValue
                guard anyHas(column) else {
                    if panels != nil { throw missing(panel, column) }
                    continue
                }
                let (title, yLabel): (String, String) = switch panel {
                case .overlap: ("overlap with the target", "v")
                case .correlationToStart: ("correlation with initialisation", "C_{d}(t, 0)")
                case .offDiagonalCorrelation: ("correlation between units", "C_{o}(t, t)")
                default: ("Lagrange multiplier", "ν")
                }
                let all = inputs.indices.compactMap { series($0, column: column) }
                p = PlotPanel(title: title, xLabel: xLabel, yLabel: yLabel, xScale: xScale, series: all)
            }
            built.append(p)
        }
        // One time range for every panel, so that the panels line up.
        let anySimulation = inputs.contains { isSimulation($0.trajectory) }
        let range = PlotAxis.range(of: times.flatMap(\.x), scale: xScale, padding: anySimulation ? 0.03 : 0)
        for i in built.indices { built[i].xRange = range.lower...range.upper }
        guard !built.isEmpty else {
            throw DMFTError.invalidInput(
                "nothing to plot: no input has any of the columns e_train, e_test, gamma, a_l1, v, Cd_t0, Co_tt, nu")
        }
        let legend = inputs.indices.map { k -> LegendEntry in
            var label = inputs[k].label
            if label.isEmpty, let m = inputs[k].width { label = "m = \(m)" }
            return isSimulation(inputs[k].trajectory)
                ? LegendEntry(label: label, colour: colours[k], marker: .circle, errorBar: true)
                : LegendEntry(label: label, colour: colours[k], dash: .solid)
        }
        return Figure(panels: built, legend: legend, style: style)
    }

    /// Colours by width along `ColourScale.viridis` when every input has a width, there are
    /// at least two widths and no two inputs of the same kind share one; otherwise distinct
    /// colours in input order.
    static func colours(for inputs: [Input]) -> [PlotColour] {
        let widths = inputs.compactMap(\.width)
        let keys = inputs.map { "\($0.width ?? 0)-\(isSimulation($0.trajectory))" }
        if widths.count == inputs.count, Set(widths).count > 1, Set(keys).count == keys.count {
            return ColourScale.viridis.colours(for: widths.map(Double.init))
        }
        return inputs.indices.map { PlotColour.categorical[$0 % PlotColour.categorical.count] }
    }

    /// The style key of the error panel: train solid / filled, test dashed / open.
    static func errorKey(_ inputs: [Input]) -> [LegendEntry] {
        let theory = inputs.contains { !isSimulation($0.trajectory) }
        let simulation = inputs.contains { isSimulation($0.trajectory) }
        let has = { (column: String) in inputs.contains { $0.trajectory[column] != nil } }
        var key: [LegendEntry] = []
        if has(Observable.trainError.rawValue) {
            key.append(LegendEntry(
                label: "train", colour: .darkGrey, dash: theory ? .solid : nil, marker: simulation ? .circle : nil))
        }
        if has(Observable.testError.rawValue) {
            key.append(LegendEntry(
                label: "test", colour: .darkGrey, dash: theory ? .dashed : nil, marker: simulation ? .square : nil,
                filled: false))
        }
        return key
    }

    static func missing(_ panel: Panel, _ columns: String) -> DMFTError {
        .invalidInput("panel \(panel.rawValue) needs the column \(columns), which no input has")
    }
}
