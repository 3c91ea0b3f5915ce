import Foundation

/// A JSON value read or written through `JSONDecoder`/`JSONEncoder`, so that numbers keep
/// every bit (a seed above 2⁵³ stays an integer; a double comes back as the same double).
/// Settings are merged and filtered as objects of these before being decoded into their
/// typed description.
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let u = try? c.decode(UInt64.self) {
            self = .unsigned(u)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "a number beyond the range of a double, or a value holding one"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .unsigned(let u): try c.encode(u)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The members of an object; `nil` for any other value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// `value` as a JSON object (`value` must encode as one).
    static func object<T: Encodable>(encoding value: T) throws -> [String: JSONValue] {
        let data = try JSONEncoder().encode(value)
        guard let object = try JSONDecoder().decode(JSONValue.self, from: data).objectValue else {
            throw DMFTError.invalidInput("\(T.self) does not encode as a JSON object")
        }
        return object
    }

    /// Decodes `T` from an object of JSON values.
    static func decode<T: Decodable>(_ type: T.Type, from object: [String: JSONValue]) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(object))
    }
}
