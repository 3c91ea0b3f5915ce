import Foundation

extension ScanAxis {
    /// An axis from its values as text: `a:b:n` (n evenly spaced values from a to b inclusive,
    /// each rounded to 12 significant digits), or a comma-separated list (`25,50,100`,
    /// `meanfield,lazy`). For the keys whose values are lists (`h`, `phihat`, `type_a0`,
    /// `type_weights`, `window`, `models`) the values are separated by `;` and each is a
    /// comma-separated list (`h=0.9,0,0.1667;1`).
    public init(name: String, parsing text: String) throws {
        self.name = name
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if Self.listKeys.contains(name) {
            values = try trimmed.split(separator: ";", omittingEmptySubsequences: false).map { part in
                let entries = part.split(separator: ",", omittingEmptySubsequences: false).map { Self.scalar(String($0)) }
                guard !entries.contains(where: { $0 == .string("") }) else {
                    throw DMFTError.invalidInput("axis \(name): empty entry in '\(part)'")
                }
                return .array(entries)
            }
        } else if let range = try Self.range(trimmed, name: name) {
            values = range
        } else {
            values = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { Self.scalar(String($0)) }
            if values.contains(.string("")) {
                throw DMFTError.invalidInput("axis \(name): empty value in '\(text)'")
            }
        }
    }

    /// Keys whose values are lists.
    public static let listKeys: Set<String> = ["h", "phihat", "type_a0", "type_weights", "window", "models"]

    /// `a:b:n` as its values; nil if `text` is not of that form.
    static func range(_ text: String, name: String) throws -> [JSONValue]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 3 else { return nil }
        guard let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite else {
            throw DMFTError.invalidInput("axis \(name): '\(text)' is not a:b:n with finite numbers a and b")
        }
        guard let n = Int(parts[2]), (1...maxRangeCount).contains(n) else {
            throw DMFTError.invalidInput("axis \(name): '\(text)': n must be an integer in 1…\(maxRangeCount)")
        }
        guard n > 1 || a == b else {
            throw DMFTError.invalidInput("axis \(name): '\(text)': one value (n = 1) needs a = b")
        }
        return (0..<n).map { k in
            let x = k == n - 1 ? b : a + (b - a) * Double(k) / Double(n - 1)
            return number(Double(String(format: "%.12g", x))!)
        }
    }

    /// The most values one `a:b:n` gives.
    static let maxRangeCount = 100_000

    /// A number as an integer when it is one (so `width` accepts `25:100:4`), else a double.
    static func number(_ x: Double) -> JSONValue {
        x == x.rounded() && abs(x) < 9e15 ? .int(Int64(x)) : .double(x)
    }

    /// A plain word: an integer, a finite number, true/false, or else a string.
    static func scalar(_ text: String) -> JSONValue {
        let word = text.trimmingCharacters(in: .whitespaces)
        if let i = Int64(word) { return .int(i) }
        if let d = Double(word), d.isFinite { return .double(d) }
        switch word {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: return .string(word)
        }
    }
}
