import Foundation

extension ColourScale {
    /// Matplotlib's viridis from end to end: its colours at 0, 0.25, 0.5, 0.75 and 1
    /// (dark violet `#440154`, blue `#3b528b`, teal `#21918c`, green `#5ec962`, yellow `#fde725`),
    /// linear in between. Unlike `viridis`, meant for curves on white paper, this one keeps the
    /// light yellow end, as a heat map needs its full lightness range.
    public static let viridisFull = ColourScale(
        anchors: [0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725].map(PlotColour.init(hex:)))
}

/// A heat map of one quantity over two parameters: the value of a summary column (the
/// early-stopping test error, say) for every (x, y) of a scan, as a grid of coloured cells
/// with a colour bar; a phase diagram.
///
/// Each cell is centred on its value and reaches halfway to its neighbours, so unevenly
/// spaced values (widths 25, 50, 100) give cells of different sizes; on a logarithmic axis
/// the halfway points are taken in log space. A missing value (`nil`) is drawn hatched in grey
/// and listed in a note under the plot. Colours follow `ColourScale.viridisFull`, linearly or
/// logarithmically in the value. Grids up to 10 × 10 carry their values printed in the cells.
///
/// `svg()` refuses a heat map it cannot draw faithfully (non-finite values, axes not strictly
/// increasing, non-positive values on a logarithmic scale) with `DMFTError.invalidInput`.
public struct HeatMap: Sendable {
    /// Horizontal positions of the columns, strictly increasing.
    public var x: [Double]
    /// Vertical positions of the rows, strictly increasing (drawn bottom to top).
    public var y: [Double]
    /// `values[row][column]`: the value at `(x[column], y[row])`, or `nil` where there is none.
    public var values: [[Double?]]
    /// Text above the plot (may be empty).
    public var title: String
    /// Axis labels; `_{…}` and `^{…}` set a subscript or superscript, as in `PlotPanel`.
    public var xLabel: String
    public var yLabel: String
    /// The name of the quantity shown, written along the colour bar.
    public var valueLabel: String
    /// Scales of the two parameter axes.
    public var xScale: AxisScale
    public var yScale: AxisScale
    /// How values map to colours: `.log` spreads decades evenly (every value must be positive).
    public var colourScale: AxisScale
    /// Values at the two ends of the colour bar; `nil`: the smallest and largest value present.
    /// Values outside it get the end colours.
    public var valueRange: ClosedRange<Double>?
    /// Whether values are printed in the cells; `nil`: when the grid is at most
    /// `maxAnnotatedCells` in both directions.
    public var showValues: Bool?
    /// Sizes and fonts; `plotWidth` × `plotHeight` is the area of the cells.
    public var style: PlotStyle

    /// Largest number of columns and of rows whose cells get their value printed by default.
    public static let maxAnnotatedCells = 10

    /// A heat map of `values[row][column]` at `(x[column], y[row])`.
    public init(
        x: [Double], y: [Double], values: [[Double?]], title: String = "", xLabel: String, yLabel: String,
        valueLabel: String, xScale: AxisScale = .linear, yScale: AxisScale = .linear,
        colourScale: AxisScale = .linear, valueRange: ClosedRange<Double>? = nil, showValues: Bool? = nil,
        style: PlotStyle = HeatMap.defaultStyle
    ) {
        self.x = x
        self.y = y
        self.values = values
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.valueLabel = valueLabel
        self.xScale = xScale
        self.yScale = yScale
        self.colourScale = colourScale
        self.valueRange = valueRange
        self.showValues = showValues
        self.style = style
    }

    /// A heat map of scattered points (the rows of a scan summary, say): the columns and rows
    /// are the distinct x and y values, sorted, and a combination without a point is missing.
    /// Two points at the same (x, y) are refused, as are non-finite coordinates.
    public init(
        points: [(x: Double, y: Double, value: Double?)], title: String = "", xLabel: String, yLabel: String,
        valueLabel: String, xScale: AxisScale = .linear, yScale: AxisScale = .linear,
        colourScale: AxisScale = .linear, valueRange: ClosedRange<Double>? = nil, showValues: Bool? = nil,
        style: PlotStyle = HeatMap.defaultStyle
    ) throws {
        for p in points where !p.x.isFinite || !p.y.isFinite {
            throw DMFTError.invalidInput("heat map: a point at (\(p.x), \(p.y)) has a non-finite coordinate")
        }
        let xs = Array(Set(points.map(\.x))).sorted(), ys = Array(Set(points.map(\.y))).sorted()
        let column = Dictionary(uniqueKeysWithValues: xs.enumerated().map { ($1, $0) })
        let row = Dictionary(uniqueKeysWithValues: ys.enumerated().map { ($1, $0) })
        var grid = [[Double?]](repeating: [Double?](repeating: nil, count: xs.count), count: ys.count)
        var seen = Set<[Int]>()
        for p in points {
            let (i, j) = (column[p.x]!, row[p.y]!)
            guard seen.insert([i, j]).inserted else {
                throw DMFTError.invalidInput(
                    "heat map: two points at \(xLabel) = \(Self.format(p.x)), \(yLabel) = \(Self.format(p.y))")
            }
            grid[j][i] = p.value
        }
        self.init(
            x: xs, y: ys, values: grid, title: title, xLabel: xLabel, yLabel: yLabel, valueLabel: valueLabel,
            xScale: xScale, yScale: yScale, colourScale: colourScale, valueRange: valueRange,
            showValues: showValues, style: style)
    }

    /// The default style: a larger, squarer plot than a curve panel, without panel letters.
    public static var defaultStyle: PlotStyle {
        var style = PlotStyle()
        style.plotWidth = 380
        style.plotHeight = 320
        style.panelLetters = false
        return style
    }

    /// The colour map.
    public static let colours = ColourScale.viridisFull

    // MARK: Checks and mapping

    /// Throws `DMFTError.invalidInput` naming the first reason the heat map cannot be drawn.
    public func validate() throws {
        func fail(_ message: String) -> DMFTError { DMFTError.invalidInput("heat map of \(valueLabel): \(message)") }
        for (name, axis, scale) in [(xLabel, x, xScale), (yLabel, y, yScale)] {
            guard !axis.isEmpty else { throw fail("no values of \(name)") }
            if let bad = axis.first(where: { !$0.isFinite || (scale == .log && $0 <= 0) }) {
                throw fail("\(name) = \(bad) cannot be placed on a \(scale.rawValue) axis")
            }
            for (a, b) in zip(axis, axis.dropFirst()) where !(a < b) {
                throw fail("the values of \(name) must be distinct and increasing, got \(Self.format(a)) before \(Self.format(b))")
            }
        }
        guard values.count == y.count else {
            throw fail("\(values.count) rows of values for \(y.count) values of \(yLabel)")
        }
        for (j, row) in values.enumerated() {
            guard row.count == x.count else {
                throw fail("row \(j + 1) has \(row.count) values for \(x.count) values of \(xLabel)")
            }
            for (i, value) in row.enumerated() {
                guard let value else { continue }
                let at = "at \(xLabel) = \(Self.format(x[i])), \(yLabel) = \(Self.format(y[j]))"
                guard value.isFinite else { throw fail("the value \(at) is \(value), not a finite number") }
                if colourScale == .log, value <= 0 {
                    throw fail("the value \(at) is \(value), which a logarithmic colour scale cannot show")
                }
            }
        }
        if let r = valueRange {
            guard r.lowerBound.isFinite, r.upperBound.isFinite, r.lowerBound < r.upperBound else {
                throw fail("the value range \(r) is not a finite, non-empty interval")
            }
            if colourScale == .log, r.lowerBound <= 0 {
                throw fail("the value range \(r) must be positive on a logarithmic colour scale")
            }
        }
    }

    /// The values at the two ends of the colour bar: `valueRange`, or the smallest and largest
    /// value present, widened a little (as `PlotAxis.range` does) when they coincide or when
    /// no value is present.
    public var colourRange: (lower: Double, upper: Double) {
        if let r = valueRange { return (r.lowerBound, r.upperBound) }
        let present = values.flatMap { $0.compactMap { $0 } }.filter { $0.isFinite && (colourScale == .linear || $0 > 0) }
        guard let lo = present.min(), let hi = present.max(), hi > lo else {
            return PlotAxis.range(of: present, scale: colourScale, padding: 0)
        }
        return (lo, hi)
    }

    /// Position `0...1` of `value` on the colour bar (linear or logarithmic in the value,
    /// clamped at the ends).
    public func colourPosition(_ value: Double) -> Double {
        let range = colourRange
        let axis = PlotAxis(scale: colourScale, lower: range.lower, upper: range.upper, maxMajorTicks: 2)
        guard let f = axis.fraction(value) else { return 0 }
        return Swift.min(1, Swift.max(0, f))
    }

    /// The colour of a cell holding `value`.
    public func colour(_ value: Double) -> PlotColour { Self.colours.colour(at: colourPosition(value)) }

    /// The edges of the cells along one axis, in data units: halfway (in the axis's scale)
    /// between neighbouring values, and as far beyond the first and last value as the nearest
    /// halfway point. A single value gets the range `PlotAxis.range` gives it.
    public static func cellEdges(_ values: [Double], scale: AxisScale) -> [Double] {
        guard values.count > 1 else {
            let r = PlotAxis.range(of: values, scale: scale, padding: 0)
            return [r.lower, r.upper]
        }
        let u = values.map { scale == .log ? Foundation.log10($0) : $0 }
        var edges = [u[0] - (u[1] - u[0]) / 2]
        for (a, b) in zip(u, u.dropFirst()) { edges.append((a + b) / 2) }
        edges.append(u[u.count - 1] + (u[u.count - 1] - u[u.count - 2]) / 2)
        return scale == .log ? edges.map { pow(10, $0) } : edges
    }

    /// A number in at most three significant digits with a real minus sign (0.25, 1.5, 100,
    /// 3.2×10⁻⁴), as printed in the cells and in the tick labels at the parameter values.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        var text: String
        if magnitude >= 1e-3 && magnitude < 1e4 {
            text = String(format: "%.3g", value)
        } else {
            var e = Int(floor(Foundation.log10(magnitude)))
            var mantissa = value / pow(10, Double(e))
            if abs((mantissa * 100).rounded()) >= 1000 {  // 9.996 rounds up to 10.0
                e += 1
                mantissa /= 10
            }
            let m = String(format: "%.3g", mantissa)
            text = (m == "1" ? "" : m == "-1" ? "-" : m + "×") + PlotTicks.powerOfTenLabel(e)
        }
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }

    // MARK: Rendering

    /// The SVG document; the same heat map always gives the same bytes. Throws
    /// `DMFTError.invalidInput` for a heat map `validate()` refuses.
    public func svg() throws -> String {
        try validate()
        return HeatMapRenderer(map: self).render()
    }

    /// Writes the SVG atomically.
    public func write(svgPath: String) throws { try AtomicFile.write(svg(), to: svgPath) }

    /// Stages the SVG as `svgPath` in `files` and, given `pngPath`, its PNG `pngWidth` pixels wide.
    public func stage(in files: OutputFiles, svgPath: String, pngPath: String? = nil, pngWidth: Int = 1600) throws {
        let document = try svg()
        try files.stage(document, as: svgPath)
        if let pngPath {
            try files.stage(PNGRenderer.png(fromSVG: document, width: pngWidth, naming: pngPath), as: pngPath)
        }
    }
}

/// Lays out and draws a `HeatMap`, with the axis and text helpers of `SVGRenderer`.
struct HeatMapRenderer {
    let map: HeatMap
    var style: PlotStyle { map.style }
    /// Used for its axis fitting, tick measures and legend code.
    let curves: SVGRenderer

    init(map: HeatMap) {
        self.map = map
        self.curves = SVGRenderer(figure: Figure(panels: [], style: map.style))
    }

    /// A drawn cell: its grid position, value and rectangle in pixels.
    struct Cell {
        var column: Int, row: Int
        var value: Double?
        var rect: PlotRect
    }

    // Layout measures beyond `SVGRenderer`'s.
    let barGap = 16.0
    let barWidth = 16.0
    let maxListedMissing = 6
    static let hatchID = "heatmap-missing"
    static let gradientID = "heatmap-colourbar"
    static let missingColour = PlotColour(hex: 0xd9d9d9)

    /// Labelled ticks at the parameter values themselves when their labels fit side by side,
    /// else the ticks `SVGRenderer` would choose for the range.
    func axis(values: [Double], edges: [Double], scale: AxisScale, horizontal: Bool) -> PlotAxis {
        let range = (edges[0], edges[edges.count - 1])
        var axis = PlotAxis(scale: scale, lower: range.0, upper: range.1)
        let labels = values.map(HeatMap.format)
        let length = horizontal ? style.plotWidth : style.plotHeight
        var fits = values.count <= 12
        for k in values.indices.dropFirst() where fits {
            let gap = (axis.fraction(values[k])! - axis.fraction(values[k - 1])!) * length
            let needed = horizontal
                ? (PlotText.width(labels[k], fontSize: style.tickFontSize)
                    + PlotText.width(labels[k - 1], fontSize: style.tickFontSize)) / 2 + 8
                : style.tickFontSize * 1.3
            if gap < needed { fits = false }
        }
        if fits {
            axis.ticks = zip(values, labels).map { AxisTick(value: $0, label: $1) }
        } else {
            axis = curves.bestAxis(scale: scale, range: range, horizontal: horizontal)
        }
        return axis
    }

    /// The cells in row-major order from the bottom row, for a plot area `plot`.
    func cells(in plot: PlotRect, xAxis: PlotAxis, yAxis: PlotAxis, xEdges: [Double], yEdges: [Double]) -> [Cell] {
        let px = xEdges.map { plot.x + xAxis.fraction($0)! * plot.width }
        let py = yEdges.map { plot.maxY - yAxis.fraction($0)! * plot.height }
        var cells: [Cell] = []
        for j in map.y.indices {
            for i in map.x.indices {
                let rect = PlotRect(x: px[i], y: py[j + 1], width: px[i + 1] - px[i], height: py[j] - py[j + 1])
                cells.append(Cell(column: i, row: j, value: map.values[j][i], rect: rect))
            }
        }
        return cells
    }

    func render() -> String {
        let tickFont = style.tickFontSize, labelFont = style.labelFontSize, titleFont = style.titleFontSize
        let xEdges = HeatMap.cellEdges(map.x, scale: map.xScale)
        let yEdges = HeatMap.cellEdges(map.y, scale: map.yScale)
        let xAxis = axis(values: map.x, edges: xEdges, scale: map.xScale, horizontal: true)
        let yAxis = axis(values: map.y, edges: yEdges, scale: map.yScale, horizontal: false)
        let range = map.colourRange
        let barAxis = curves.bestAxis(scale: map.colourScale, range: (range.lower, range.upper), horizontal: false)

        let missing = map.values.enumerated().flatMap { j, row in
            row.enumerated().compactMap { i, v in v == nil ? (i, j) : nil }
        }
        let note = missingNote(missing)

        // Margins, as `SVGRenderer` lays out a panel, plus the colour bar on the right.
        let yTickWidth = yAxis.ticks.compactMap(\.label).map { PlotText.width($0, fontSize: tickFont) }.max() ?? 0
        let left = curves.outerMargin + 6 + (map.yLabel.isEmpty ? 0 : labelFont * 1.25 + 4) + yTickWidth
            + curves.tickLabelGap + curves.majorTick
        let top = curves.outerMargin + (map.title.isEmpty ? 12 : titleFont * 1.7)
        let plot = PlotRect(x: left, y: top, width: style.plotWidth, height: style.plotHeight)
        let xLabelY = plot.maxY + curves.majorTick + curves.tickLabelGap + tickFont * 1.05 + labelFont * 1.2
        let noteY = (map.xLabel.isEmpty ? plot.maxY + curves.majorTick + curves.tickLabelGap + tickFont * 1.05 : xLabelY)
            + style.legendFontSize * 1.6
        let bottomY = (note == nil ? noteY - style.legendFontSize * 1.6 : noteY) + 10
        let bar = PlotRect(x: plot.maxX + barGap, y: plot.y, width: barWidth, height: plot.height)
        let barTickWidth = barAxis.ticks.compactMap(\.label).map { PlotText.width($0, fontSize: tickFont) }.max() ?? 0
        let barLabelX = bar.maxX + curves.majorTick + curves.tickLabelGap + barTickWidth + labelFont * 0.95
        var width = barLabelX + (map.valueLabel.isEmpty ? 0 : labelFont * 0.4) + curves.rightMargin
        if let note { width = Swift.max(width, plot.x + PlotText.width(note, fontSize: style.legendFontSize) + 20) }
        if !map.title.isEmpty {
            width = Swift.max(width, plot.x + plot.width / 2 + PlotText.width(map.title, fontSize: titleFont) / 2 + 10)
        }
        let height = bottomY + curves.outerMargin

        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
            viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="\(PlotText.escape(style.fontFamily))">
            <rect x="0" y="0" width="\(svgNumber(width))" height="\(svgNumber(height))" fill="#ffffff"/>

            """
        svg += definitions(hasMissing: !missing.isEmpty)

        // Cells, then their values on top.
        let cells = cells(in: plot, xAxis: xAxis, yAxis: yAxis, xEdges: xEdges, yEdges: yEdges)
        svg += "<g class=\"cells\" stroke=\"none\" shape-rendering=\"crispEdges\">\n"
        for cell in cells {
            let r = cell.rect
            let geometry = "x=\"\(svgNumber(r.x))\" y=\"\(svgNumber(r.y))\" width=\"\(svgNumber(r.width))\" height=\"\(svgNumber(r.height))\""
            let place = "\(map.xLabel) = \(HeatMap.format(map.x[cell.column])), \(map.yLabel) = \(HeatMap.format(map.y[cell.row]))"
            if let value = cell.value {
                svg += "<rect class=\"cell\" \(geometry) fill=\"\(map.colour(value).svg)\">"
                    + "<title>\(PlotText.escape("\(place): \(HeatMap.format(value))"))</title></rect>\n"
            } else {
                svg += "<rect class=\"cell missing\" \(geometry) fill=\"url(#\(Self.hatchID))\">"
                    + "<title>\(PlotText.escape("\(place): no value"))</title></rect>\n"
            }
        }
        svg += "</g>\n"
        let annotate = map.showValues
            ?? (map.x.count <= HeatMap.maxAnnotatedCells && map.y.count <= HeatMap.maxAnnotatedCells)
        if annotate { svg += cellValues(cells) }

        // Frame, outward ticks on the left and at the bottom, labels, title.
        svg += "<rect x=\"\(svgNumber(plot.x))\" y=\"\(svgNumber(plot.y))\" width=\"\(svgNumber(plot.width))\" "
            + "height=\"\(svgNumber(plot.height))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n"
        var tickPath = "", labels = ""
        for tick in xAxis.ticks {
            guard let f = xAxis.fraction(tick.value), f >= -1e-9, f <= 1 + 1e-9 else { continue }
            let x = plot.x + f * plot.width
            tickPath += "M\(svgNumber(x)) \(svgNumber(plot.maxY))v\(svgNumber(tick.isMajor ? curves.majorTick : curves.minorTick))"
            if let label = tick.label {
                labels += "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(plot.maxY + curves.majorTick + curves.tickLabelGap + tickFont * 0.95))\" "
                    + "text-anchor=\"middle\">\(PlotText.svgContent(label, fontSize: tickFont))</text>\n"
            }
        }
        for tick in yAxis.ticks {
            guard let f = yAxis.fraction(tick.value), f >= -1e-9, f <= 1 + 1e-9 else { continue }
            let y = plot.maxY - f * plot.height
            tickPath += "M\(svgNumber(plot.x)) \(svgNumber(y))h\(svgNumber(-(tick.isMajor ? curves.majorTick : curves.minorTick)))"
            if let label = tick.label {
                labels += "<text x=\"\(svgNumber(plot.x - curves.majorTick - curves.tickLabelGap))\" y=\"\(svgNumber(y + tickFont * 0.36))\" "
                    + "text-anchor=\"end\">\(PlotText.svgContent(label, fontSize: tickFont))</text>\n"
            }
        }
        // Colour bar: the gradient, its frame and ticks on the right.
        svg += "<g class=\"colour-bar\">\n"
        svg += "<rect x=\"\(svgNumber(bar.x))\" y=\"\(svgNumber(bar.y))\" width=\"\(svgNumber(bar.width))\" "
            + "height=\"\(svgNumber(bar.height))\" fill=\"url(#\(Self.gradientID))\" stroke=\"#000000\" stroke-width=\"1\"/>\n"
        var barTicks = "", barLabels = ""
        for tick in barAxis.ticks {
            guard let f = barAxis.fraction(tick.value), f >= -1e-9, f <= 1 + 1e-9 else { continue }
            let y = bar.maxY - f * bar.height
            barTicks += "M\(svgNumber(bar.maxX)) \(svgNumber(y))h\(svgNumber(tick.isMajor ? curves.majorTick : curves.minorTick))"
            if let label = tick.label {
                barLabels += "<text x=\"\(svgNumber(bar.maxX + curves.majorTick + curves.tickLabelGap))\" y=\"\(svgNumber(y + tickFont * 0.36))\">"
                    + "\(PlotText.svgContent(label, fontSize: tickFont))</text>\n"
            }
        }
        svg += svgTicks(path: barTicks, labels: barLabels, fontSize: tickFont)
        if !map.valueLabel.isEmpty {
            svg += "<text class=\"colour-bar-label\" transform=\"translate(\(svgNumber(barLabelX)),\(svgNumber(bar.y + bar.height / 2))) rotate(-90)\" "
                + "font-size=\"\(svgNumber(labelFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(map.valueLabel, fontSize: labelFont))</text>\n"
        }
        svg += "</g>\n"
        svg += svgTicks(path: tickPath, labels: labels, fontSize: tickFont)
        if !map.xLabel.isEmpty {
            svg += "<text class=\"x-label\" x=\"\(svgNumber(plot.x + plot.width / 2))\" y=\"\(svgNumber(xLabelY))\" "
                + "font-size=\"\(svgNumber(labelFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(map.xLabel, fontSize: labelFont))</text>\n"
        }
        if !map.yLabel.isEmpty {
            svg += "<text class=\"y-label\" transform=\"translate(\(svgNumber(curves.outerMargin + 6 + labelFont * 0.95)),\(svgNumber(plot.y + plot.height / 2))) rotate(-90)\" "
                + "font-size=\"\(svgNumber(labelFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(map.yLabel, fontSize: labelFont))</text>\n"
        }
        if !map.title.isEmpty {
            svg += "<text class=\"title\" x=\"\(svgNumber(plot.x + plot.width / 2))\" y=\"\(svgNumber(plot.y - titleFont * 0.55))\" "
                + "font-size=\"\(svgNumber(titleFont))\" text-anchor=\"middle\">"
                + "\(PlotText.svgContent(map.title, fontSize: titleFont))</text>\n"
        }
        if let note {
            // The legend note: a hatched sample and the missing points.
            let size = style.legendFontSize
            svg += "<g class=\"missing-note\">\n"
            svg += "<rect x=\"\(svgNumber(plot.x))\" y=\"\(svgNumber(noteY - size * 0.85))\" width=\"\(svgNumber(size * 1.6))\" "
                + "height=\"\(svgNumber(size))\" fill=\"url(#\(Self.hatchID))\" stroke=\"#808080\" stroke-width=\"0.8\"/>\n"
            svg += "<text x=\"\(svgNumber(plot.x + size * 1.6 + 6))\" y=\"\(svgNumber(noteY))\" font-size=\"\(svgNumber(size))\">"
                + "\(PlotText.svgContent(note, fontSize: size))</text>\n"
            svg += "</g>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    /// The colour bar's gradient (the colour map's anchors as stops, so that the bar shows the
    /// same piecewise linear map as the cells) and the hatch of missing cells.
    func definitions(hasMissing: Bool) -> String {
        var defs = "<defs>\n<linearGradient id=\"\(Self.gradientID)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"
        let anchors = HeatMap.colours.anchors
        for (k, colour) in anchors.enumerated() {
            let offset = anchors.count == 1 ? 0 : Double(k) / Double(anchors.count - 1)
            defs += "<stop offset=\"\(svgNumber(offset))\" stop-color=\"\(colour.svg)\"/>\n"
        }
        defs += "</linearGradient>\n"
        if hasMissing {
            defs += "<pattern id=\"\(Self.hatchID)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
                + "patternTransform=\"rotate(45)\">\n"
                + "<rect x=\"0\" y=\"0\" width=\"6\" height=\"6\" fill=\"\(Self.missingColour.svg)\"/>\n"
                + "<path d=\"M0 0v6\" stroke=\"#8c8c8c\" stroke-width=\"2\"/>\n</pattern>\n"
        }
        return defs + "</defs>\n"
    }

    /// The values printed in the cells, white on dark and black on light colours, shrunk to
    /// fit a narrow cell.
    func cellValues(_ cells: [Cell]) -> String {
        var svg = "<g class=\"cell-values\" text-anchor=\"middle\">\n"
        for cell in cells {
            guard let value = cell.value else { continue }
            let text = HeatMap.format(value)
            let r = cell.rect
            var size = style.tickFontSize * 0.9
            let natural = PlotText.width(text, fontSize: size)
            if natural > r.width - 4 { size *= Swift.max(0.1, r.width - 4) / natural }
            size = Swift.min(size, r.height * 0.7)
            guard size >= 5 else { continue }
            let c = map.colour(value)
            let luminance = 0.2126 * c.red + 0.7152 * c.green + 0.0722 * c.blue
            svg += "<text x=\"\(svgNumber(r.x + r.width / 2))\" y=\"\(svgNumber(r.y + r.height / 2 + size * 0.36))\" "
                + "font-size=\"\(svgNumber(size))\" fill=\"\(luminance < 0.45 ? "#ffffff" : "#000000")\">"
                + "\(PlotText.escape(text))</text>\n"
        }
        return svg + "</g>\n"
    }

    /// "no value at …" listing the missing points (the first few, then how many more).
    func missingNote(_ missing: [(Int, Int)]) -> String? {
        guard !missing.isEmpty else { return nil }
        let listed = missing.prefix(maxListedMissing).map { i, j in
            "(\(HeatMap.format(map.x[i])), \(HeatMap.format(map.y[j])))"
        }
        var note = "no value at (\(map.xLabel), \(map.yLabel)) = " + listed.joined(separator: ", ")
        if missing.count > maxListedMissing { note += " and \(missing.count - maxListedMissing) more" }
        return note
    }
}
