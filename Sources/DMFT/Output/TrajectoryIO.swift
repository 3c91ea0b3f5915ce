import Foundation

/// Reading and writing trajectories as CSV (header row of column names, one row per time).
public enum TrajectoryCSV {
    /// The CSV text: header, then rows with 12 significant digits.
    public static func render(_ trajectory: Trajectory) -> String {
        var out = trajectory.names.joined(separator: ",") + "\n"
        out.reserveCapacity(trajectory.count * trajectory.names.count * 20)
        for i in 0..<trajectory.count {
            out += trajectory.row(i).map { String(format: "%.12g", $0) }.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// Parses CSV text written by `render` (or any numeric CSV whose first column is `t`).
    public static func parse(_ text: String, source: String = "CSV") throws -> Trajectory {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw DMFTError.io("\(source) is empty") }
        let names = lines.removeFirst().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.first == Observable.time.rawValue else {
            throw DMFTError.io("\(source): first column must be 't', found '\(names.first ?? "")'")
        }
        var trajectory = Trajectory(names: names)
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == names.count else {
                throw DMFTError.io("\(source) line \(i + 2): \(fields.count) fields, header has \(names.count)")
            }
            var row: [Double] = []
            for f in fields {
                guard let x = Double(f.trimmingCharacters(in: .whitespaces)) else {
                    throw DMFTError.io("\(source) line \(i + 2): '\(f)' is not a number")
                }
                row.append(x)
            }
            trajectory.append(row)
        }
        return trajectory
    }

    /// Reads a CSV file.
    public static func read(path: String) throws -> Trajectory {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw DMFTError.io("cannot read \(path)") }
        return try parse(text, source: path)
    }
}

/// Writes one file so that a crash or Ctrl-C never leaves a half-written one (an
/// `OutputFiles` run of one file).
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws {
        let files = try OutputFiles([path])
        try files.stage(text, as: path)
        try files.commit()
    }
}
