import DMFT
import Foundation
import Synchronization

/// Set by SIGINT or SIGTERM; runs poll it and stop cleanly (a long solve with a checkpoint
/// saves it first), and no output is moved into place once it is set.
let interrupted = Atomic<Bool>(false)
/// The signal that set `interrupted`.
let interruptingSignal = Atomic<Int32>(0)

enum Terminal {
    /// Routes SIGINT (Ctrl-C) and SIGTERM to the `interrupted` flag instead of killing the
    /// process; a second signal ends the process at once. In a point of a scan
    /// (`Scan.parentProcessVariable` set), a SIGTERM is also raised when the scan's process is
    /// gone (killed), so that the point stops and writes nothing.
    static func installSignalHandlers() {
        for number in [SIGINT, SIGTERM] {
            signal(number) { received in
                _ = interruptingSignal.compareExchange(expected: 0, desired: received, ordering: .relaxed)
                if interrupted.exchange(true, ordering: .relaxed) { _exit(128 + received) }
            }
        }
        if let parent = ProcessInfo.processInfo.environment[Scan.parentProcessVariable].flatMap({ pid_t($0) }) {
            Thread.detachNewThread {
                while getppid() == parent { usleep(200_000) }
                kill(getpid(), SIGTERM)
            }
        }
    }

    static var isInterrupted: Bool { interrupted.load(ordering: .relaxed) }

    /// The name of the signal that interrupted the run.
    static var signalName: String { interruptingSignal.load(ordering: .relaxed) == SIGTERM ? "SIGTERM" : "SIGINT" }

    /// The shell's exit status for a run ended by that signal (130 for SIGINT, 143 for SIGTERM).
    static var interruptedExitCode: Int32 { 128 + (interruptingSignal.load(ordering: .relaxed) == SIGTERM ? SIGTERM : SIGINT) }

    /// Progress bars only on an interactive terminal and never under CI.
    static var showsProgress: Bool {
        isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Run control with a progress bar labelled `label` (when `showsProgress`), stopped by
    /// SIGINT and SIGTERM.
    static func runControl(label: String) -> RunControl {
        var control = RunControl()
        control.isCancelled = { @Sendable in Terminal.isInterrupted }
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

extension OutputFiles {
    /// Moves the run's files into place unless SIGINT or SIGTERM arrived.
    func commitUnlessInterrupted() throws { try commit(isCancelled: { Terminal.isInterrupted }) }
}
