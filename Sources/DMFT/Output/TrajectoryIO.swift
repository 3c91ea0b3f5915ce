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

    /// Largest magnitude of a value `parse` accepts: anything beyond is no observable of this
    /// tool, and figures could not place it (spans would overflow).
    public static let largestValue = 1e100

    /// Parses CSV text written by `render` (or any numeric CSV whose first column is `t`).
    /// Refuses, naming the line: an empty file or header, empty or repeated column names, rows
    /// with another number of fields than the header, fields that are not finite numbers of
    /// magnitude ≤ `largestValue`, and times that decrease.
    public static func parse(_ text: String, source: String = "CSV") throws -> Trajectory {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw DMFTError.io("\(source) is empty") }
        let names = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.first == Observable.time.rawValue else {
            throw DMFTError.io("\(source): first column must be 't', found '\(names.first ?? "")'")
        }
        if let empty = names.firstIndex(of: "") {
            throw DMFTError.io("\(source): column \(empty + 1) of the header has no name")
        }
        var seen = Set<String>()
        if let repeated = names.first(where: { !seen.insert($0).inserted }) {
            throw DMFTError.io("\(source): the header names column '\(repeated)' twice")
        }
        var trajectory = Trajectory(names: names)
        var previous = -Double.infinity
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == names.count else {
                throw DMFTError.io("\(source) line \(i + 2): \(fields.count) fields, header has \(names.count)")
            }
            var row: [Double] = []
            for (f, name) in zip(fields, names) {
                guard let x = Double(f.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw DMFTError.io("\(source) line \(i + 2), column \(name): '\(f)' is not a finite number")
                }
                guard abs(x) <= largestValue else {
                    throw DMFTError.io(
                        "\(source) line \(i + 2), column \(name): \(f) is beyond ±\(largestValue), the largest value read")
                }
                row.append(x)
            }
            guard row[0] >= previous else {
                throw DMFTError.io("\(source) line \(i + 2): t = \(row[0]) comes after t = \(previous); times must not decrease")
            }
            previous = row[0]
            trajectory.append(row)
        }
        return trajectory
    }

    /// Reads a CSV file (translated refusals for a missing, unreadable or non-text file).
    public static func read(path: String, limitBytes: Double = InputFile.defaultLimitBytes) throws -> Trajectory {
        try parse(InputFile.readText(path, what: "CSV file", limitBytes: limitBytes), source: path)
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
