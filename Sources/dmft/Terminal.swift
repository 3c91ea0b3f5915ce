import DMFT
import Foundation
import Synchronization

/// Set by SIGINT; long runs poll it and stop cleanly, writing nothing half-done.
let interrupted = Atomic<Bool>(false)

enum Terminal {
    /// Routes Ctrl-C to the `interrupted` flag instead of killing the process.
    static func installInterruptHandler() {
        signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    }

    /// Progress bars only on an interactive terminal and never under CI.
    static var showsProgress: Bool {
        isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Run control with a progress bar labelled `label` (when `showsProgress`) and Ctrl-C.
    static func runControl(label: String) -> RunControl {
        installInterruptHandler()
        var control = RunControl()
        control.isCancelled = { @Sendable in interrupted.load(ordering: .relaxed) }
        if showsProgress {
            let bar = ProgressBar(label: label)
            control.progress = { @Sendable fraction in bar.show(fraction) }
        }
        return control
    }
}

/// A one-line progress bar on standard error with an estimate of the time left.
struct ProgressBar: Sendable {
    let label: String
    let start = Date()

    func show(_ fraction: Double) {
        let width = 30
        let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        let left = fraction > 0.01 ? String(format: "%.0fs left", elapsed * (1 - fraction) / fraction) : ""
        var line = "\r\(label) [\(bar)] \(Int(fraction * 100))% \(left)   "
        if fraction >= 1 { line += "\n" }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
