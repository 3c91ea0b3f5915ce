import Foundation

extension Scan {
    /// The standard figure (`StandardFigure.observables`) of the finished points of the scan in
    /// `directory`, one curve per point labelled by its varied keys and coloured along
    /// `ColourScale.viridis` by the value of the varied key `key` (by its position in the axis
    /// when the values are not numbers).
    public static func figure(
        directory: String, colourBy key: String, timeAxis: TimeAxis = .t, logTime: Bool = false
    ) throws -> Figure {
        let store = ScanDirectory(directory)
        let scan = try store.loadScan()
        let axis = try scan.axis(key, directory: directory)
        let numeric = axis.values.allSatisfy { $0.number != nil }
        var inputs: [StandardFigure.Input] = [], values: [Double] = []
        for point in scan.points where store.status(of: point).state == .done {
            let path = store.pointDirectory(point.hash) + "/" + scan.command.csvName
            let width = point.record["problem"]?.objectValue?["width"]?.number.map { Int($0) }
            inputs.append((label: point.label, width: width, trajectory: try TrajectoryCSV.read(path: path)))
            let value = point.values.first { $0.name == key }!.value
            values.append(numeric ? value.number! : Double(axis.values.firstIndex(of: value)!))
        }
        guard !inputs.isEmpty else { throw DMFTError.invalidInput("no point of the scan in \(directory) is done yet") }
        return try StandardFigure.observables(inputs, timeAxis: timeAxis, logTime: logTime, colourValues: values)
    }

    /// A heat map of the summary column `column` (one of `ScanSummary.columns` but
    /// `error_estimate`) over the varied keys `x` and `y` (both numeric): one cell per point,
    /// missing where the point is not done or has no value. With more axes than these two, two
    /// points share a cell and the heat map is refused.
    public static func heatMap(
        directory: String, column: String, x: String, y: String, logColour: Bool = false
    ) throws -> HeatMap {
        let store = ScanDirectory(directory)
        let scan = try store.loadScan()
        let index = try summaryColumn(column, option: "--heatmap")
        for key in [x, y] {
            let axis = try scan.axis(key, directory: directory)
            guard axis.values.allSatisfy({ $0.number != nil }) else {
                throw DMFTError.invalidInput("the values of \(key) are not all numbers: it cannot be a heat map's axis")
            }
        }
        let points = try scan.points.map { point -> (x: Double, y: Double, value: Double?) in
            func coordinate(_ key: String) -> Double { point.values.first { $0.name == key }!.value.number! }
            var value: Double?
            if store.status(of: point).state == .done {
                let trajectory = try TrajectoryCSV.read(path: store.pointDirectory(point.hash) + "/" + scan.command.csvName)
                value = ScanSummary(trajectory, record: point.record, command: scan.command).values[index]
            }
            return (coordinate(x), coordinate(y), value)
        }
        return try HeatMap(points: points, xLabel: x, yLabel: y, valueLabel: column, colourScale: logColour ? .log : .linear)
    }
}

extension Scan {
    /// The summary column `column` of the finished points of the scan in `directory` against
    /// the numeric varied key `x`, one curve (lines and markers) per value of the varied key
    /// `groupBy` — the paper's way of showing, say, the long-time test error against the width
    /// for several activations.
    public static func summaryFigure(
        directory: String, column: String, x: String, groupBy: String, logX: Bool = false
    ) throws -> Figure {
        let store = ScanDirectory(directory)
        let scan = try store.loadScan()
        let index = try summaryColumn(column, option: "--summary")
        _ = try scan.axis(groupBy, directory: directory)
        guard try scan.axis(x, directory: directory).values.allSatisfy({ $0.number != nil }) else {
            throw DMFTError.invalidInput("the values of \(x) are not all numbers: it cannot be the horizontal axis")
        }
        var groups: [String] = [], points: [String: [(x: Double, y: Double)]] = [:]
        for point in scan.points where store.status(of: point).state == .done {
            let trajectory = try TrajectoryCSV.read(path: store.pointDirectory(point.hash) + "/" + scan.command.csvName)
            guard let value = ScanSummary(trajectory, record: point.record, command: scan.command).values[index] else { continue }
            let group = "\(groupBy) = " + point.values.first { $0.name == groupBy }!.value.text
            if points[group] == nil { groups.append(group) }
            points[group, default: []].append((point.values.first { $0.name == x }!.value.number!, value))
        }
        guard !groups.isEmpty else { throw DMFTError.invalidInput("no finished point of the scan in \(directory) has a value of \(column)") }
        let series = groups.enumerated().flatMap { k, group -> [PlotSeries] in
            let sorted = points[group]!.sorted { $0.x < $1.x }
            let colour = PlotColour.categorical[k % PlotColour.categorical.count]
            return [PlotSeries(label: group, x: sorted.map(\.x), y: sorted.map(\.y), style: .line, colour: colour),
                    PlotSeries(label: "", x: sorted.map(\.x), y: sorted.map(\.y), style: .markers, colour: colour)]
        }
        var panel = PlotPanel(xLabel: x, yLabel: column, xScale: logX ? .log : .linear, series: series)
        panel.legend = []
        return Figure(panels: [panel], legend: series.filter { !$0.label.isEmpty }.map(\.legendEntry))
    }

    /// The index in `ScanSummary.columns` (less `error_estimate`) of a plotted summary column.
    private static func summaryColumn(_ column: String, option: String) throws -> Int {
        let numeric = ScanSummary.columns.filter { $0 != "error_estimate" }
        guard let index = numeric.firstIndex(of: column) else {
            throw DMFTError.invalidInput("\(option) takes a column of summary.csv: \(numeric.joined(separator: ", ")); got \(column)")
        }
        return index
    }

    /// The axis of the varied key `key`, or an error naming the scan's axes.
    private func axis(_ key: String, directory: String) throws -> ScanAxis {
        guard let axis = axes.first(where: { $0.name == key }) else {
            throw DMFTError.invalidInput(
                "\(key) is not a varied key of the scan in \(directory); its axes: \(axes.map(\.name).joined(separator: ", "))")
        }
        return axis
    }
}
