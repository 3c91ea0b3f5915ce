import Foundation

/// An sRGB colour.
public struct PlotColour: Hashable, Sendable {
    /// Components in `0...1`.
    public var red: Double, green: Double, blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(
            red: Double((hex >> 16) & 0xff) / 255, green: Double((hex >> 8) & 0xff) / 255,
            blue: Double(hex & 0xff) / 255)
    }

    /// `#rrggbb`.
    public var svg: String {
        let c = [red, green, blue].map { Int((Swift.min(1, Swift.max(0, $0)) * 255).rounded()) }
        return String(format: "#%02x%02x%02x", c[0], c[1], c[2])
    }

    /// Linear interpolation towards `other` (`fraction` 0 gives `self`).
    public func mixed(with other: PlotColour, fraction: Double) -> PlotColour {
        PlotColour(
            red: red + (other.red - red) * fraction, green: green + (other.green - green) * fraction,
            blue: blue + (other.blue - blue) * fraction)
    }

    public static let black = PlotColour(hex: 0x000000)
    public static let darkGrey = PlotColour(hex: 0x333333)
    public static let grey = PlotColour(hex: 0x808080)

    /// Distinct colours for unrelated curves, safe for colour-blind readers
    /// (blue, vermilion, bluish green, reddish purple, orange, sky blue, yellow-brown, black).
    public static let categorical: [PlotColour] = [
        0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x8c6d1f, 0x000000,
    ].map(PlotColour.init(hex:))
}

/// A sequential colour map for a family of curves (several widths m, say): piecewise
/// linear between anchor colours, dark for small values and light for large ones.
public struct ColourScale: Sendable, Equatable {
    /// Colours at equally spaced positions from 0 to 1.
    public var anchors: [PlotColour]

    public init(anchors: [PlotColour]) {
        precondition(!anchors.isEmpty, "a colour scale needs at least one colour")
        self.anchors = anchors
    }

    /// Viridis-like: dark violet, blue, teal, green, stopping at yellow-green so that the
    /// lightest curve still reads on white paper.
    public static let viridis = ColourScale(
        anchors: [0x440154, 0x3b528b, 0x21908d, 0x35b779, 0x90d743].map(PlotColour.init(hex:)))

    /// The colour at `position` (clamped to `0...1`).
    public func colour(at position: Double) -> PlotColour {
        guard anchors.count > 1 else { return anchors[0] }
        let p = position.isFinite ? Swift.min(1, Swift.max(0, position)) : 0
        let scaled = p * Double(anchors.count - 1)
        let i = Swift.min(anchors.count - 2, Int(scaled.rounded(.down)))
        return anchors[i].mixed(with: anchors[i + 1], fraction: scaled - Double(i))
    }

    /// Colours for the members of a family by their values: positions spread over the
    /// scale, logarithmically when every value is positive (widths that double are
    /// equally spaced), linearly otherwise. A single distinct value gets the middle colour.
    public func colours(for values: [Double]) -> [PlotColour] {
        let logarithmic = values.allSatisfy { $0 > 0 }
        let u = values.map { logarithmic ? Foundation.log($0) : $0 }
        guard let lo = u.min(), let hi = u.max(), hi > lo else { return values.map { _ in colour(at: 0.5) } }
        return u.map { colour(at: ($0 - lo) / (hi - lo)) }
    }
}

/// A curve or a set of points on a panel.
public struct PlotSeries: Sendable {
    /// Lines for continuous curves (theory), markers for measured points (simulations).
    public enum Style: Sendable { case line, markers }
    /// Line pattern.
    public enum Dash: String, Sendable { case solid, dashed, dotted }
    /// Marker shape.
    public enum Marker: String, Sendable { case circle, square, triangle, diamond }

    /// Legend text; an empty label keeps the series out of the panel's legend.
    public var label: String
    public var x: [Double]
    public var y: [Double]
    /// Half-lengths of vertical error bars (standard errors), drawn for markers.
    public var yError: [Double]?
    public var style: Style
    public var colour: PlotColour
    public var dash: Dash = .solid
    public var marker: Marker = .circle
    /// Filled or open markers.
    public var filled: Bool = true
    public var lineWidth: Double = 1.8
    /// Marker radius in pixels.
    public var markerSize: Double = 3.3

    public init(
        label: String, x: [Double], y: [Double], yError: [Double]? = nil, style: Style = .line,
        colour: PlotColour = PlotColour.categorical[0], dash: Dash = .solid, marker: Marker = .circle,
        filled: Bool = true
    ) {
        precondition(x.count == y.count, "a series needs as many x as y values")
        precondition(yError.map { $0.count == y.count } ?? true, "a series needs one error per point")
        self.label = label
        self.x = x
        self.y = y
        self.yError = yError
        self.style = style
        self.colour = colour
        self.dash = dash
        self.marker = marker
        self.filled = filled
    }

    /// How this series appears in a legend.
    public var legendEntry: LegendEntry {
        switch style {
        case .line: return LegendEntry(label: label, colour: colour, dash: dash, lineWidth: lineWidth)
        case .markers:
            return LegendEntry(
                label: label, colour: colour, marker: marker, filled: filled, errorBar: yError != nil,
                markerSize: markerSize)
        }
    }
}

/// One line of a legend: a sample (line, marker or both) and a label.
public struct LegendEntry: Sendable, Equatable {
    public var label: String
    public var colour: PlotColour
    /// Line sample, if any.
    public var dash: PlotSeries.Dash?
    /// Marker sample, if any.
    public var marker: PlotSeries.Marker?
    public var filled: Bool
    /// Whether the marker sample carries an error bar.
    public var errorBar: Bool
    public var lineWidth: Double
    public var markerSize: Double

    public init(
        label: String, colour: PlotColour, dash: PlotSeries.Dash? = nil, marker: PlotSeries.Marker? = nil,
        filled: Bool = true, errorBar: Bool = false, lineWidth: Double = 1.8, markerSize: Double = 3.3
    ) {
        self.label = label
        self.colour = colour
        self.dash = dash
        self.marker = marker
        self.filled = filled
        self.errorBar = errorBar
        self.lineWidth = lineWidth
        self.markerSize = markerSize
    }
}

/// One set of axes with its series.
public struct PlotPanel: Sendable {
    /// Text above the panel (may be empty).
    public var title: String
    /// Axis labels. `_{…}` and `^{…}` set a subscript or superscript (`C_{d}(t, 0)`).
    public var xLabel: String
    public var yLabel: String
    public var xScale: AxisScale
    public var yScale: AxisScale
    public var series: [PlotSeries]
    /// The panel's legend; `nil`: one entry per series with a non-empty label.
    public var legend: [LegendEntry]?
    /// Fixed axis ranges; `nil`: fitted to the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?

    public init(
        title: String = "", xLabel: String, yLabel: String, xScale: AxisScale = .linear, yScale: AxisScale = .linear,
        series: [PlotSeries], legend: [LegendEntry]? = nil
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
        self.legend = legend
    }

    /// The legend as drawn.
    var legendEntries: [LegendEntry] { legend ?? series.filter { !$0.label.isEmpty }.map(\.legendEntry) }
}

/// Sizes and fonts of a figure, in SVG pixels (1 px = 1/96 in; a 3-column figure is
/// about 1000 px wide, a full page width at roughly 8 pt text).
public struct PlotStyle: Sendable, Equatable {
    /// Size of each panel's plotting area (inside the axes frame).
    public var plotWidth = 260.0
    public var plotHeight = 190.0
    public var tickFontSize = 14.0
    public var labelFontSize = 15.5
    public var titleFontSize = 15.0
    public var legendFontSize = 13.5
    public var fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
    /// Letters (a), (b), … in the panels' top-left corners.
    public var panelLetters = true

    public init() {}
}

/// Panels in a grid, with an optional figure-wide legend (the colour key of a family of
/// curves, say), rendered as a standalone SVG document.
public struct Figure: Sendable {
    public var panels: [PlotPanel]
    /// Panels per row.
    public var columns: Int
    /// Entries shared by all panels, drawn in the first empty grid cell or to the right.
    public var legend: [LegendEntry]
    public var style: PlotStyle

    /// A figure; `columns` defaults to 1–3 panels in one row, 4 in two rows of two,
    /// more in rows of three.
    public init(panels: [PlotPanel], columns: Int? = nil, legend: [LegendEntry] = [], style: PlotStyle = PlotStyle()) {
        self.panels = panels
        self.columns = Swift.max(1, columns ?? (panels.count == 4 ? 2 : Swift.min(3, Swift.max(1, panels.count))))
        self.legend = legend
        self.style = style
    }

    /// Rows of the grid.
    public var rows: Int { Swift.max(1, (panels.count + columns - 1) / columns) }

    /// The SVG document. The same figure always gives the same bytes.
    public func svg() -> String { SVGRenderer(figure: self).render() }

    /// Writes the SVG atomically.
    public func write(svgPath: String) throws { try AtomicFile.write(svg(), to: svgPath) }

    /// Stages the SVG as `svgPath` in `files` and, given `pngPath`, its PNG `pngWidth` pixels wide.
    public func stage(in files: OutputFiles, svgPath: String, pngPath: String? = nil, pngWidth: Int = 1600) throws {
        let document = svg()
        try files.stage(document, as: svgPath)
        if let pngPath {
            try files.stage(PNGRenderer.png(fromSVG: document, width: pngWidth, naming: pngPath), as: pngPath)
        }
    }
}

/// Turns SVG files into PNG with `rsvg-convert` (Debian package `librsvg2-bin`).
public enum PNGRenderer {
    /// The converter's program name, looked up on `PATH`.
    public static let program = "rsvg-convert"

    /// The converter's full path, or `nil` if it is not installed.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The converter's full path; refuses (naming `pngPath`) when it is not installed, so a
    /// command can check before any work.
    public static func requireConverter(for pngPath: String) throws -> String {
        guard let executable = locate() else {
            throw DMFTError.io(
                "cannot make \(pngPath): \(program) not found on PATH (install it: apt-get install librsvg2-bin), "
                    + "or leave the PNG out")
        }
        return executable
    }

    /// The PNG of the SVG document `svg`, `width` pixels wide (height in proportion) on a white
    /// background. The converter works on scratch files in the temporary directory, removed
    /// afterwards; the caller writes the PNG where it belongs (see `OutputFiles`).
    public static func png(fromSVG svg: String, width: Int = 1600, naming pngPath: String) throws -> Data {
        let executable = try requireConverter(for: pngPath)
        guard width > 0 else { throw DMFTError.invalidInput("PNG width must be positive, got \(width)") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dmft-png-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let (input, output) = (scratch.path + ".svg", scratch.path + ".png")
        defer { for file in [input, output] { unlink(file) } }
        guard FileManager.default.createFile(atPath: input, contents: Data(svg.utf8)) else {
            throw DMFTError.io("cannot make \(pngPath): cannot write the scratch file \(input)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-w", "\(width)", "-a", "-b", "white", "-f", "png", "-o", output, input]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw DMFTError.io("cannot run \(executable): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output) else {
            throw DMFTError.io(
                "\(program) failed to make \(pngPath) (exit \(process.terminationStatus)): "
                    + message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return data
    }
}
