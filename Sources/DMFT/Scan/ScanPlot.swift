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
        guard let axis = scan.axes.first(where: { $0.name == key }) else {
            throw DMFTError.invalidInput(
                "\(key) is not a varied key of the scan in \(directory); its axes: \(scan.axes.map(\.name).joined(separator: ", "))")
        }
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
}
