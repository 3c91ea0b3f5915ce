/// Errors the library reports to its user. Every message says what was wrong and,
/// where there is one, what to do instead.
public enum DMFTError: Error, CustomStringConvertible, Equatable {
    /// A parameter or covariance that does not describe a valid problem.
    case invalidInput(String)
    /// The integration left the set of admissible values (non-finite numbers, a
    /// correlation outside [−1, 1]); nothing after this point can be trusted.
    case diverged(String)
    /// A run was stopped from outside (Ctrl-C) before it finished.
    case cancelled
    /// Reading or writing a file failed.
    case io(String)

    public var description: String {
        switch self {
        case .invalidInput(let m): return "invalid input: \(m)"
        case .diverged(let m): return "integration diverged: \(m)"
        case .cancelled: return "cancelled"
        case .io(let m): return "I/O error: \(m)"
        }
    }
}
