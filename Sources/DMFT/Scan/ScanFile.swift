import Foundation
import Yams

extension Scan {
    /// Reads a scan file: YAML, or JSON (which YAML contains), a mapping with the keys
    ///
    /// - `command`: `solve`, `simulate`, `compare` or `asymptotics` (`asymptotics REGIME`
    ///   gives the regime too);
    /// - `config` (optional): a file any command wrote, or a flat JSON object, read as
    ///   `--config` reads it: its problem and settings are the base (a relative path is taken
    ///   from the scan file's directory);
    /// - `base` (optional): problem and settings keys, over `config`'s;
    /// - `regime` (optional): the same as `base: {regime: …}`;
    /// - `axes`: a mapping from keys to their values, in order: a list (`[25, 50, 100]`), or a
    ///   string `a:b:n` or `x,y,z` (see `ScanAxis.init(name:parsing:)`);
    /// - `combine` (optional): `product` (default) or `zip`;
    /// - `max_memory_gb` (optional): the `--max-memory-gb` of every point.
    ///
    /// A malformed file, an unknown key or a value the command would refuse is refused with the
    /// file, the line and the key at fault.
    public init(contentsOf path: String) throws {
        try self.init(text: InputFile.readText(path, what: "scan file"), path: path)
    }

    /// Reads a scan file's text; `path` names it in messages and anchors a relative `config`.
    public init(text: String, path: String) throws {
        let file = ScanFileReader(path: path)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw file.error(nil, "is empty") }
            root = node
        } catch let error as YamlError {
            throw file.error(error)
        }
        guard let top = root.mapping else { throw file.error(root.mark, "must be a mapping with command and axes") }
        let entries = try file.entries(top, "the top level")
        let known = ["command", "config", "base", "regime", "axes", "combine", "max_memory_gb"]
        if let unknown = entries.first(where: { !known.contains($0.key) }) {
            throw file.error(unknown.mark, "unknown key \(unknown.key); known: \(known.joined(separator: ", "))")
        }
        func entry(_ key: String) -> ScanFileReader.Entry? { entries.first { $0.key == key } }

        guard let commandEntry = entry("command"), let commandText = commandEntry.value.scalar?.string else {
            throw file.error(entry("command")?.mark ?? top.mark, "key command: give solve, simulate, compare or asymptotics REGIME")
        }
        let words = commandText.split(separator: " ").map(String.init)
        guard let command = words.first.flatMap(ScanCommand.init(rawValue:)), words.count == 1 || (command == .asymptotics && words.count == 2)
        else {
            throw file.error(commandEntry.mark, "key command: '\(commandText)' is not solve, simulate, compare or asymptotics REGIME")
        }

        var base: [String: JSONValue] = [:]
        var marks: [String: Mark?] = [:]
        if let config = entry("config") {
            guard let name = config.value.scalar?.string else { throw file.error(config.mark, "key config: give a file name") }
            let url = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: path).deletingLastPathComponent())
            base = try Self.flatten(RunConfig(contentsOf: url.path))
        }
        if words.count == 2 { (base["regime"], marks["regime"]) = (.string(words[1]), commandEntry.mark) }
        if let regime = entry("regime") { (base["regime"], marks["regime"]) = (try file.value(regime.value), regime.mark) }
        if let baseEntry = entry("base") {
            guard let mapping = baseEntry.value.mapping else { throw file.error(baseEntry.mark, "key base must be a mapping") }
            for item in try file.entries(mapping, "base") {
                guard Self.variableKeys.contains(item.key) else {
                    throw file.error(item.mark, "unknown key base.\(item.key); known: \(Self.variableKeys.sorted().joined(separator: ", "))")
                }
                (base[item.key], marks[item.key]) = (try file.value(item.value), item.mark)
            }
        }
        try file.check(base, marks: marks, command: command, fallback: entry("base")?.mark)

        guard let axesEntry = entry("axes") else { throw file.error(top.mark, "missing key axes") }
        guard let axesMapping = axesEntry.value.mapping else {
            throw file.error(axesEntry.mark, "key axes must be a mapping from keys to their values")
        }
        var axes: [ScanAxis] = []
        // A value refused on the base alone is reported with its own line, but only if a point
        // holding it is refused too: zipped keys (h with φ̂, say) are only valid together.
        var refusedAlone: DMFTError?
        for item in try file.entries(axesMapping, "axes") {
            guard Self.variableKeys.contains(item.key) else {
                throw file.error(
                    item.mark, "axis \(item.key) is not a problem or settings key; known: \(Self.variableKeys.sorted().joined(separator: ", "))")
            }
            let axis = try file.axis(item)
            for (k, value) in axis.values.enumerated() {
                var one = base
                one[item.key] = value
                do {
                    _ = try ScanPoint.resolve(command: command, settings: one, source: "\(file.path)")
                } catch DMFTError.invalidInput(let message) where refusedAlone == nil {
                    let mark = item.value.sequence.map { Array($0)[k].mark } ?? item.mark
                    refusedAlone = file.error(mark, "key axes.\(item.key), value \(value.text): \(message)")
                } catch DMFTError.invalidInput {}
            }
            axes.append(axis)
        }
        var combination = ScanCombination.product
        if let combine = entry("combine") {
            guard let word = combine.value.scalar?.string, let chosen = ScanCombination(rawValue: word) else {
                throw file.error(combine.mark, "key combine: give product or zip")
            }
            combination = chosen
        }
        var memory: Double?
        if let limit = entry("max_memory_gb") {
            guard let gigabytes = try file.value(limit.value).number, gigabytes > 0 else {
                throw file.error(limit.mark, "key max_memory_gb: give a positive number")
            }
            memory = gigabytes
        }
        do {
            try self.init(command: command, base: base, axes: axes, combination: combination, maxMemoryGB: memory)
        } catch DMFTError.invalidInput(let message) {
            throw refusedAlone ?? file.error(axesEntry.mark, message)
        }
    }

    /// A `--config` file's problem and settings as one flat object of keys.
    public static func flatten(_ config: RunConfig) throws -> [String: JSONValue] {
        var flat = config.settings
        if let problem = config.problem {
            flat.merge(try JSONValue.object(encoding: problem)) { $1 }
        }
        return flat
    }
}

extension JSONValue {
    /// The value as a double, if it is a number.
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .unsigned(let u): return Double(u)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// Reads the nodes of one scan file, with its name and lines in every message.
struct ScanFileReader {
    let path: String

    struct Entry {
        var key: String
        var value: Node
        var mark: Mark?
    }

    func error(_ mark: Mark?, _ message: String) -> DMFTError {
        .invalidInput("scan file \(path)\(mark.map { ", line \($0.line)" } ?? ""): \(message)")
    }

    func error(_ yaml: YamlError) -> DMFTError {
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let where_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return .invalidInput(
                "scan file \(path), line \(mark.line), column \(mark.column): not valid YAML or JSON: \(problem)\(where_)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return .invalidInput(
                "scan file \(path), line \(context.mark.line): key \(duplicates.sorted().joined(separator: ", ")) is given twice "
                    + "in the mapping that starts there")
        default:
            return .invalidInput("scan file \(path): not valid YAML or JSON: \(yaml)")
        }
    }

    /// The keys of a mapping, in order (Yams has refused duplicates); a key that is not a
    /// scalar is refused.
    func entries(_ mapping: Node.Mapping, _ place: String) throws -> [Entry] {
        try mapping.map { key, value in
            guard let name = key.scalar?.string else { throw error(key.mark, "a key in \(place) is not a plain word") }
            return Entry(key: name, value: value, mark: key.mark)
        }
    }

    /// A node as a JSON value: a quoted scalar is a string; a plain one is null, a boolean, an
    /// integer, a number or else a string.
    func value(_ node: Node) throws -> JSONValue {
        if let scalar = node.scalar {
            guard scalar.style == .plain else { return .string(scalar.string) }
            switch scalar.string {
            case "null", "~", "": return .null
            case "true", "True": return .bool(true)
            case "false", "False": return .bool(false)
            default:
                let text = scalar.string
                if let i = Int64(text) { return .int(i) }
                if let d = Double(text) {
                    guard d.isFinite else { throw error(node.mark, "\(text) is not a finite number") }
                    return .double(d)
                }
                return .string(text)
            }
        }
        if let sequence = node.sequence { return .array(try sequence.map(value)) }
        if let mapping = node.mapping {
            return .object(Dictionary(uniqueKeysWithValues: try entries(mapping, "a value").map { ($0.key, try value($0.value)) }))
        }
        throw error(node.mark, "aliases are not supported")
    }

    /// An axis: a list of values, or one string of values (`a:b:n`, `x,y,z`), or one value.
    func axis(_ entry: Entry) throws -> ScanAxis {
        if let sequence = entry.value.sequence {
            return ScanAxis(name: entry.key, values: try sequence.map(value))
        }
        let single = try value(entry.value)
        guard case .string(let text) = single else { return ScanAxis(name: entry.key, values: [single]) }
        do {
            return try ScanAxis(name: entry.key, parsing: text)
        } catch DMFTError.invalidInput(let message) {
            throw error(entry.mark, message)
        }
    }

    /// Refuses a base the command would refuse, at the line of the first key that is refused
    /// on its own (else at `fallback`).
    func check(_ base: [String: JSONValue], marks: [String: Mark?], command: ScanCommand, fallback: Mark?) throws {
        do {
            _ = try ScanPoint.resolve(command: command, settings: base, source: path)
        } catch DMFTError.invalidInput(let message) {
            let context = base["regime"].map { ["regime": $0] } ?? [:]
            for key in marks.keys.sorted(by: { (marks[$0]??.line ?? 0) < (marks[$1]??.line ?? 0) }) {
                let alone = context.merging([key: base[key]!]) { $1 }
                if (try? ScanPoint.resolve(command: command, settings: alone, source: path)) == nil {
                    throw error(marks[key] ?? nil, "key base.\(key): \(message)")
                }
            }
            throw error(fallback, "base: \(message)")
        }
    }
}
