import ArgumentParser
import DMFT
import Foundation

/// The input checks every command runs in its `validate()`, before any work and before any
/// file is touched: numbers finite and in range (`number`, `count`, `list`), flags that do
/// not apply to the chosen mode (`notApplicable`), input and output paths (`inputFile`,
/// `outputPath`), and the run's resources against the limits (`budget`). A refusal is a
/// `DMFTError.invalidInput` whose message names the flag as the user typed it; `refusing`
/// prints it like any failed run (`error: …`, exit status 1).
enum Check {
    /// Runs a command's checks; a refusal is printed as `error: …` and ends the process with
    /// exit status 1, exactly like a run that fails later.
    static func refusing(_ checks: () throws -> Void) throws {
        do { try checks() } catch let error as DMFTError {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    // MARK: Numbers

    /// The admissible values of a number: an interval whose ends may be open.
    struct Bounds: Sendable {
        var lower: Double, upper: Double
        var lowerOpen = false, upperOpen = false

        /// `(0, upper]`.
        static func positive(atMost upper: Double) -> Bounds { Bounds(lower: 0, upper: upper, lowerOpen: true) }
        /// `[0, upper]`.
        static func nonNegative(atMost upper: Double) -> Bounds { Bounds(lower: 0, upper: upper) }
        /// `[−limit, limit]`.
        static func magnitude(atMost limit: Double) -> Bounds { Bounds(lower: -limit, upper: limit) }
        /// `(0, 1)`: a fraction, a probability, a relative tolerance.
        static let unitInterval = Bounds(lower: 0, upper: 1, lowerOpen: true, upperOpen: true)

        func contains(_ x: Double) -> Bool {
            x.isFinite && (lowerOpen ? x > lower : x >= lower) && (upperOpen ? x < upper : x <= upper)
        }

        var text: String {
            (lowerOpen ? "(" : "[") + Check.format(lower) + ", "
                + (upper == .greatestFiniteMagnitude ? "∞)" : Check.format(upper) + (upperOpen ? ")" : "]"))
        }
    }

    /// Refuses a given `value` of `flag` that is not a finite number within `bounds`.
    static func number(_ value: Double?, _ flag: String, _ bounds: Bounds) throws {
        guard let value, !bounds.contains(value) else { return }
        throw DMFTError.invalidInput("\(flag) must be a finite number in \(bounds.text), got \(format(value))")
    }

    /// Refuses a given integer `value` of `flag` outside `range`.
    static func count(_ value: Int?, _ flag: String, _ range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        let allowed = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "in \(range.lowerBound)…\(range.upperBound)"
        throw DMFTError.invalidInput("\(flag) must be an integer \(allowed), got \(value)")
    }

    /// Parses a comma-separated list given to `flag` and refuses it unless it has `length`
    /// entries, each within `bounds`.
    @discardableResult
    static func list(
        _ text: String?, _ flag: String, _ bounds: Bounds, length: ClosedRange<Int> = 1...64
    ) throws -> [Double]? {
        guard let text else { return nil }
        let values = try parseCoefficientList(text, what: flag)
        guard length.contains(values.count) else {
            throw DMFTError.invalidInput(
                "\(flag) takes \(length.lowerBound == length.upperBound ? "\(length.lowerBound)" : "\(length.lowerBound)…\(length.upperBound)") "
                    + "comma-separated values, got \(values.count)")
        }
        for value in values { try number(value, flag, bounds) }
        return values
    }

    /// `x` in a short form for messages (`1e+300`, `0.05`, `nan`, `inf`).
    static func format(_ x: Double) -> String { String(format: "%.6g", x) }

    // MARK: Flags that do not apply

    /// The long flags on the command line (`--name` and `--name=value`), up to a `--`.
    static let givenFlags: Set<String> = {
        var names = Set<String>()
        for argument in CommandLine.arguments.dropFirst() {
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            names.insert(String(argument.split(separator: "=", maxSplits: 1).first ?? ""))
        }
        return names
    }()

    /// Whether `flag` (e.g. `"--a0"`) was given on the command line.
    static func given(_ flag: String) -> Bool { givenFlags.contains(flag) }

    /// Refuses the first of `flags` that was given: it does not apply to `mode` (e.g.
    /// `"--init lazy"`); `instead` says what does.
    static func notApplicable(_ flags: [String], to mode: String, instead: String) throws {
        guard let flag = flags.first(where: given) else { return }
        throw DMFTError.invalidInput("\(flag) does not apply to \(mode); \(instead)")
    }

    // MARK: Paths

    /// Refuses an input file that is missing, a directory or unreadable (in those words).
    static func inputFile(_ path: String?, _ flag: String) throws {
        guard let path else { return }
        if let problem = InputFile.problem(path) { throw DMFTError.invalidInput("\(flag) \(path): \(problem)") }
    }

    /// Refuses an output path the run could not write at the end: empty, a directory or
    /// another non-regular file (a device like /dev/null would be replaced), a path through a
    /// file, or in a directory that is not writable. With `existingDirectory` its
    /// directory must exist (for files written during the run, like a checkpoint).
    static func outputPath(_ path: String, _ flag: String, existingDirectory: Bool = false) throws {
        guard !path.isEmpty else { throw DMFTError.invalidInput("\(flag) is empty; give a file name") }
        var info = stat()
        let exists = stat(path, &info) == 0
        if path.hasSuffix("/") || (exists && (info.st_mode & S_IFMT) == S_IFDIR) {
            throw DMFTError.invalidInput("\(flag) \(path) is a directory; give a file name")
        }
        // A device, pipe or socket would be replaced by the renamed output, not written to.
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            throw DMFTError.invalidInput("\(flag) \(path) exists and is not a regular file; give a file name")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if existingDirectory, stat(directory, &info) != 0 {
            throw DMFTError.invalidInput("\(flag) \(path): the directory \(directory) does not exist")
        }
        try outputDirectory(directory, flag, given: path)
    }

    /// Refuses an output directory that is a file, lies under a file, or whose nearest
    /// existing ancestor cannot be written.
    static func outputDirectory(_ path: String, _ flag: String, given: String? = nil) throws {
        let shown = given ?? path
        guard !path.isEmpty else { throw DMFTError.invalidInput("\(flag) is empty; give a directory") }
        var url = URL(fileURLWithPath: path).standardizedFileURL
        while true {
            var info = stat()
            if stat(url.path, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw DMFTError.invalidInput("\(flag) \(shown): \(url.path) is a file, not a directory")
                }
                guard access(url.path, W_OK | X_OK) == 0 else {
                    throw DMFTError.invalidInput("\(flag) \(shown): cannot write in \(url.path) (\(InputFile.reason(errno)))")
                }
                return
            }
            guard errno == ENOENT, url.path != "/" else {
                throw DMFTError.invalidInput("\(flag) \(shown): \(InputFile.reason(errno))")
            }
            url = url.deletingLastPathComponent()
        }
    }
}
