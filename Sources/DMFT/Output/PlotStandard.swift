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

    /// The time `t` whose value on this axis is `x`, for width `m` (the inverse of `rescaled`).
    public func time(at x: Double, width m: Double) -> Double {
        switch self {
        case .t: return x
        case .tTimesM: return x / m
        case .tOverSqrtM: return x * m.squareRoot()
        case .tOverM: return x * m
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
        /// `a/√m` (column `gamma`), or `‖a‖₁/m` (column `a_l1`, else `|a|`) when any input has
        /// `a_l1` or is an m → ∞ mean-field curve (column `a` without `gamma`: a = O(1) there).
        case secondLayer = "a"
        /// `v`.
        case overlap = "v"
        /// `C_d(t, 0)`.
        case correlationToStart = "Cd_t0"
        /// `C_o(t, t)` (not drawn by default).
        case offDiagonalCorrelation = "Co_tt"
        /// `ν` (DMFT only).
        case lagrangeMultiplier = "nu"
        /// Every per-group `a_gk` of a grouped run (not drawn by default).
        case groupSecondLayer = "a_groups"
        /// Every per-group-pair `Co_tt_gk_gl` of a grouped run (not drawn by default).
        case groupCorrelation = "Co_groups"

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
    /// asked for by `panels`, which is then an error. With `colourValues` (one per input) the
    /// curves are coloured by those values along `ColourScale.viridis` instead.
    ///
    /// With `xColumn` every panel is drawn against that column instead of time: parametric
    /// curves, rows in time order (for example `gamma`, the paper's γ = a/√m, as in its
    /// Figures 23 and 30); `timeAxis` is then unused and `logTime` makes that axis logarithmic.
    /// Every input needs the column; the panel showing the column itself is left out.
    public static func observables(
        _ inputs: [Input], timeAxis: TimeAxis = .t, logTime: Bool = false, panels: [Panel]? = nil,
        maxMarkers: Int = 30, style: PlotStyle = PlotStyle(), colourValues: [Double]? = nil, xColumn: String? = nil
    ) throws -> Figure {
        guard !inputs.isEmpty else { throw DMFTError.invalidInput("nothing to plot: no trajectories given") }
        if let xColumn {
            guard xColumn != Observable.time.rawValue else {
                throw DMFTError.invalidInput("the x column 't' is the time axis: use the time axis instead")
            }
            if let input = inputs.first(where: { $0.trajectory[xColumn] == nil }) {
                throw DMFTError.invalidInput("'\(input.label)' has no column \(xColumn) to draw against")
            }
        } else {
            try checkWidths(inputs, neededBy: timeAxis.needsWidth ? "the time axis \(timeAxis.rawValue)" : nil)
        }
        let colours = colourValues.map { ColourScale.viridis.colours(for: $0) } ?? colours(for: inputs)
        let xScale: AxisScale = logTime ? .log : .linear
        let xLabel = xColumn.map(columnLabel) ?? timeAxis.label

        // The x value of every row kept: rescaled time, or the x column (rows with a
        // non-finite value, and t = 0 or non-positive x on a log axis, dropped).
        let times: [(x: [Double], rows: [Int])] = inputs.map { input in
            let m = Double(input.width ?? 1)
            let values = xColumn.flatMap { input.trajectory[$0] }
            var x: [Double] = [], rows: [Int] = []
            for (i, t) in input.trajectory.time.enumerated() {
                let value = values?[i] ?? timeAxis.rescaled(t, width: m)
                guard value.isFinite, !logTime || (values == nil ? t > 0 : value > 0) else { continue }
                x.append(value)
                rows.append(i)
            }
            return (x, rows)
        }

        // Markers are thinned to an even spacing along the drawn axis, the same for every
        // curve: at most `maxMarkers` across the whole time range of the figure.
        let display = { (x: Double) in xScale == .log ? Foundation.log10(x) : x }
        let shown = times.flatMap(\.x).filter { $0.isFinite && (xScale == .linear || $0 > 0) }.map(display)
        let spacing = markerSpacing(shown, maxMarkers: maxMarkers)
        func thinned(_ k: Int) -> [Int] { thinnedIndices(times[k].x.map(display), spacing: spacing) }

        /// The series of one column for input `k`, or nil if it lacks the column.
        func series(
            _ k: Int, column: String, dash: PlotSeries.Dash = .solid, marker: PlotSeries.Marker = .circle,
            filled: Bool = true, transform: (Double) -> Double = { $0 }
        ) -> PlotSeries? {
            let trajectory = inputs[k].trajectory
            guard let values = trajectory[column] else { return nil }
            let rows = times[k].rows
            let simulation = isSimulation(trajectory)
            return curve(
                x: times[k].x, y: rows.map { transform(values[$0]) },
                yError: simulation ? trajectory[column + "_se"].map { e in rows.map { abs(e[$0]) } } : nil,
                markersAt: simulation ? thinned(k) : nil, colour: colours[k], dash: dash, marker: marker,
                filled: filled)
        }

        let anyHas = { (column: String) in inputs.contains { $0.trajectory[column] != nil } }
        // Against one of its own columns a panel would be the diagonal: left out unless asked for.
        let requested = panels ?? Panel.defaults.filter { panel in
            switch (panel, xColumn) {
            case (.secondLayer, Observable.gamma.rawValue?), (.secondLayer, Observable.secondLayerL1.rawValue?),
                (.lagrangeMultiplier, Observable.lagrangeMultiplier.rawValue?), (.overlap, Observable.overlap.rawValue?),
                (.correlationToStart, Panel.correlationToStart.rawValue?):
                return false
            default: return true
            }
        }
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
                // The mean-field ODE (`dmft asymptotics mean-field`) reports a, of order one, and no
                // a/√m (which vanishes as m → ∞): drawn against finite-m runs, it needs ‖a‖₁/m too.
                let meanFieldLimit = inputs.contains {
                    $0.trajectory[Observable.secondLayer.rawValue] != nil && $0.trajectory[Observable.gamma.rawValue] == nil
                }
                if anyHas(l1) || meanFieldLimit {
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
            case .groupSecondLayer, .groupCorrelation:
                let prefix = panel == .groupSecondLayer ? "a_g" : "Co_tt_g"
                var columns: [String] = []
                for input in inputs {
                    for name in input.trajectory.names where name.hasPrefix(prefix) && !name.hasSuffix("_se")
                        && !columns.contains(name) { columns.append(name) }
                }
                guard !columns.isEmpty else {
                    if panels != nil { throw missing(panel, prefix + "… (a grouped run)") }
                    continue
                }
                // One dash and marker per column, one colour per input.
                let dashes: [PlotSeries.Dash] = [.solid, .dashed, .dotted]
                let markers: [PlotSeries.Marker] = [.circle, .square, .triangle, .diamond]
                var all: [PlotSeries] = []
                for k in inputs.indices {
                    for (c, column) in columns.enumerated() {
                        if let s = series(k, column: column, dash: dashes[c % 3], marker: markers[c % 4]) { all.append(s) }
                    }
                }
                let title = panel == .groupSecondLayer ? "second layer by group" : "correlations between groups"
                p = PlotPanel(
                    title: title, xLabel: xLabel, yLabel: panel == .groupSecondLayer ? "a_{k}" : "C_{ij}(t, t)",
                    xScale: xScale, series: all)
                let theory = inputs.contains { !isSimulation($0.trajectory) }
                let simulation = inputs.contains { isSimulation($0.trajectory) }
                p.legend = columns.enumerated().map { c, column in
                    LegendEntry(
                        label: column, colour: .darkGrey, dash: theory ? dashes[c % 3] : nil,
                        marker: simulation ? markers[c % 4] : nil)
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
        return Figure(panels: built, legend: inputLegend(inputs, colours: colours), style: style)
    }

    /// The axis label of a column drawn as x (`--x-column`): the printed symbol of the known
    /// observables, the column's name otherwise.
    static func columnLabel(_ column: String) -> String {
        switch column {
        case Observable.gamma.rawValue: return "a/√m"
        case Observable.secondLayerL1.rawValue: return "‖a‖₁/m"
        case Observable.trainError.rawValue: return "e_{train}"
        case Observable.testError.rawValue: return "e_{test}"
        case Observable.lagrangeMultiplier.rawValue: return "ν"
        default: return column
        }
    }

    /// The long-time scaling figure (arXiv:2502.21269, Fig. 5 and Figs. 28–31): `a/√m` and
    /// `√m·v` against `t/m`, and `e_test − e_train` against `a/√m` (a parametric curve, rows
    /// in time order), one curve per input, on linear axes. Every input needs a width m and
    /// the columns `a`, `v`, `e_train`, `e_test`. As in `observables`, theory is drawn as
    /// lines, simulations as markers thinned along t/m (at the same rows in every panel)
    /// with standard-error bars where the column's error carries over (`a/√m`, `√m·v`).
    public static func longTimeScaling(
        _ inputs: [Input], maxMarkers: Int = 30, style: PlotStyle = PlotStyle()
    ) throws -> Figure {
        let name = "the long-time scaling figure"
        guard !inputs.isEmpty else { throw DMFTError.invalidInput("nothing to plot: no trajectories given") }
        try checkWidths(inputs, neededBy: name)
        let needed: [Observable] = [.secondLayer, .overlap, .trainError, .testError]
        for input in inputs {
            if let column = needed.first(where: { input.trajectory[$0.rawValue] == nil }) {
                throw DMFTError.invalidInput(
                    "\(name) needs the column \(column.rawValue), which '\(input.label)' lacks")
            }
        }
        let colours = colours(for: inputs)
        let widths = inputs.map { Double($0.width!) }
        let scaledTime = inputs.indices.map { k in
            inputs[k].trajectory.time.map { TimeAxis.tOverM.rescaled($0, width: widths[k]) }
        }
        let spacing = markerSpacing(scaledTime.flatMap { $0 }.filter(\.isFinite), maxMarkers: maxMarkers)

        var rescaledA: [PlotSeries] = [], rescaledV: [PlotSeries] = [], gap: [PlotSeries] = []
        for k in inputs.indices {
            let trajectory = inputs[k].trajectory
            let m = widths[k], root = m.squareRoot()
            let simulation = isSimulation(trajectory)
            let keep = simulation ? thinnedIndices(scaledTime[k], spacing: spacing) : nil
            let error = { (column: Observable, factor: Double) -> [Double]? in
                simulation ? trajectory[column.rawValue + "_se"].map { $0.map { abs($0) * factor } } : nil
            }
            let a = trajectory[Observable.secondLayer.rawValue]!.map { $0 / root }
            let v = trajectory[Observable.overlap.rawValue]!.map { $0 * root }
            let difference = zip(trajectory[Observable.testError.rawValue]!, trajectory[Observable.trainError.rawValue]!)
                .map { $0 - $1 }
            rescaledA.append(curve(
                x: scaledTime[k], y: a, yError: error(.secondLayer, 1 / root), markersAt: keep, colour: colours[k]))
            rescaledV.append(curve(
                x: scaledTime[k], y: v, yError: error(.overlap, root), markersAt: keep, colour: colours[k]))
            // The errors of e_test and e_train are correlated: no bar for their difference.
            gap.append(curve(x: a, y: difference, yError: nil, markersAt: keep, colour: colours[k]))
        }
        let time = TimeAxis.tOverM.label
        var panels = [
            PlotPanel(title: "a/√m against t/m", xLabel: time, yLabel: "a/√m", series: rescaledA),
            PlotPanel(title: "√m·v against t/m", xLabel: time, yLabel: "√m·v", series: rescaledV),
            PlotPanel(
                title: "test − train error against a/√m", xLabel: "a/√m", yLabel: "e_{test} − e_{train}", series: gap),
        ]
        // The two time panels share their range.
        let anySimulation = inputs.contains { isSimulation($0.trajectory) }
        let range = PlotAxis.range(of: scaledTime.flatMap { $0 }, scale: .linear, padding: anySimulation ? 0.03 : 0)
        for i in 0..<2 { panels[i].xRange = range.lower...range.upper }
        return Figure(panels: panels, legend: inputLegend(inputs, colours: colours), style: style)
    }

    /// Throws unless every input has a positive width, or none (when `purpose` is nil; a
    /// width given must still be positive). `purpose` names what needs the widths.
    static func checkWidths(_ inputs: [Input], neededBy purpose: String?) throws {
        if let purpose, let missing = inputs.first(where: { $0.width == nil }) {
            throw DMFTError.invalidInput("\(purpose) needs the width m of '\(missing.label)'")
        }
        if let bad = inputs.first(where: { ($0.width ?? 1) <= 0 }) {
            throw DMFTError.invalidInput("width of '\(bad.label)' must be positive, got \(bad.width!)")
        }
    }

    /// One curve of an input: a line through every point (theory), or, with `markersAt`,
    /// markers at those indices with their error bars (simulation).
    static func curve(
        x: [Double], y: [Double], yError: [Double]?, markersAt keep: [Int]?, colour: PlotColour,
        dash: PlotSeries.Dash = .solid, marker: PlotSeries.Marker = .circle, filled: Bool = true
    ) -> PlotSeries {
        guard let keep else { return PlotSeries(label: "", x: x, y: y, style: .line, colour: colour, dash: dash) }
        return PlotSeries(
            label: "", x: keep.map { x[$0] }, y: keep.map { y[$0] }, yError: yError.map { e in keep.map { e[$0] } },
            style: .markers, colour: colour, marker: marker, filled: filled)
    }

    /// The spacing of simulation markers, in display coordinates, for `maxMarkers` markers
    /// across the range of `shown`; 0 (no thinning) when the range is empty or a point.
    static func markerSpacing(_ shown: [Double], maxMarkers: Int) -> Double {
        guard let lo = shown.min(), let hi = shown.max(), hi > lo, maxMarkers >= 2 else { return 0 }
        return (hi - lo) / Double(maxMarkers - 1)
    }

    /// The indices of the points `u` (increasing display coordinates) nearest to steps of
    /// `spacing` from the first, and the last point unless it would crowd the previous
    /// marker; every index when the points are already sparser than that.
    static func thinnedIndices(_ u: [Double], spacing: Double) -> [Int] {
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

    /// The figure legend: one entry per input, its label (or "m = …"), a line for theory or
    /// a marker with an error bar for a simulation.
    static func inputLegend(_ inputs: [Input], colours: [PlotColour]) -> [LegendEntry] {
        inputs.indices.map { k in
            var label = inputs[k].label
            if label.isEmpty, let m = inputs[k].width { label = "m = \(m)" }
            return isSimulation(inputs[k].trajectory)
                ? LegendEntry(label: label, colour: colours[k], marker: .circle, errorBar: true)
                : LegendEntry(label: label, colour: colours[k], dash: .solid)
        }
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
