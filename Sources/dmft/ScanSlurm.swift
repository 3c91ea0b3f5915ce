import ArgumentParser
import DMFT
import Foundation

struct ScanSlurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write an sbatch script that runs a scan as a SLURM job array.",
        discussion: """
            Task I of an array of N runs `dmft scan run FILE --out-dir DIR`, which takes its shard I/N \
            from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT. Without --time \
            and --mem each task asks for the estimates of its own points (ScanResources), the largest \
            over the tasks: time summed over its points, memory of the points it runs at once, both \
            with a safety factor. Submit with `sbatch SCRIPT`; afterwards `dmft scan merge DIR`.
            """)

    @Argument(help: "Scan file (YAML or JSON).")
    var file: String

    @Option(name: .customLong("out-dir"), help: "Directory of the scan's outputs (shared by the tasks).")
    var outDir: String

    @Option(help: "Number of array tasks N (each runs the points k with k mod N = its index).")
    var array: Int

    @Option(help: "Time limit per task, HH:MM:SS (default: from the estimates).")
    var time: String?

    @Option(help: "Memory per task in sbatch's form, e.g. 4G or 500M (default: from the estimates).")
    var mem: String?

    @Option(help: "SLURM partition.")
    var partition: String?

    @Option(name: .customLong("jobs-per-task"), help: "Points each task runs at once (its --jobs and --cpus-per-task). Default 1.")
    var jobsPerTask = 1

    @Option(help: "The script to write. Default DIR/scan.sbatch.")
    var script: String?

    func validate() throws {
        try Check.refusing {
            try Check.inputFile(file, "FILE")
            try Check.count(array, "--array", 1...1_000_000)
            try Check.count(jobsPerTask, "--jobs-per-task", 1...4096)
            if let time, Self.seconds(time) == nil {
                throw DMFTError.invalidInput("--time takes HH:MM:SS (or D-HH:MM:SS), got '\(time)'")
            }
            if let mem, mem.range(of: #"^[0-9]+[KMGT]?$"#, options: .regularExpression) == nil {
                throw DMFTError.invalidInput("--mem takes a size like 4G or 500M, got '\(mem)'")
            }
            try Check.outputDirectory(outDir, "--out-dir")
        }
    }

    func run() throws {
        try reportingErrors {
            let scan = try Scan(contentsOf: file)
            let estimates = try scan.points.map { try ScanResources.estimate(scan.command, $0) }
            var worstSeconds = 0.0, worstBytes = 0.0
            for i in 1...array {
                let shard = try ScanShard(index: i, count: array)
                let mine = scan.points.indices.filter { shard.contains($0) }.map { estimates[$0] }
                worstSeconds = max(worstSeconds, mine.reduce(0) { $0 + $1.seconds })
                let atOnce = mine.map(\.bytes).sorted(by: >).prefix(jobsPerTask).reduce(0, +)
                worstBytes = max(worstBytes, atOnce)
            }
            let seconds = ScanResources.taskSeconds(worstSeconds / Double(jobsPerTask))
            let memory = mem ?? "\(Int((ScanResources.taskBytes(worstBytes) / 1e6).rounded(.up)))M"
            let path = script ?? outDir + "/scan.sbatch"
            try FileManager.default.createDirectory(atPath: outDir + "/slurm", withIntermediateDirectories: true)
            let text = sbatch(time: time ?? Self.clock(seconds), memory: memory)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            print("wrote \(path): \(scan.points.count) points in \(array) task(s), each --time \(time ?? Self.clock(seconds)) "
                + "--mem \(memory); submit with: sbatch \(path)")
        }
    }

    /// The script: one array task per shard, each `dmft scan run` with its shard from SLURM's variables.
    func sbatch(time: String, memory: String) -> String {
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        let executable = (try? ScanRun.executable()) ?? "dmft"
        var lines = [
            "#!/bin/bash",
            "#SBATCH --job-name=dmft-scan",
            "#SBATCH --array=1-\(array)",
            "#SBATCH --time=\(time)",
            "#SBATCH --mem=\(memory)",
            "#SBATCH --cpus-per-task=\(jobsPerTask)",
            "#SBATCH --output=\(absolute(outDir))/slurm/%A_%a.out",
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += [
            "# Written by dmft scan slurm. Task I of N runs the points k with k mod N = I - 1 (the shard",
            "# comes from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT).",
            "# Resubmitting reruns only the points that are not done. Then: dmft scan merge \(shellQuoted(absolute(outDir)))",
            "set -euo pipefail",
            "exec \(shellQuoted(executable)) scan run \(shellQuoted(absolute(file))) --out-dir \(shellQuoted(absolute(outDir))) "
                + "--jobs \(jobsPerTask)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `HH:MM:SS` or `D-HH:MM:SS` (or `MM:SS`) in seconds.
    static func seconds(_ text: String) -> Int? {
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { return nil }
        let days = dayParts.count == 2 ? Int(dayParts[0]) : 0
        let clock = dayParts.last!.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard let days, (2...3).contains(clock.count), clock.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return days * 86_400 + clock.reduce(0) { $0 * 60 + $1! }
    }

    /// Seconds as `HH:MM:SS` (hours may exceed 24, which sbatch accepts).
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return String(format: "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }
}

/// A single-quoted shell word.
func shellQuoted(_ text: String) -> String {
    text.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:".contains($0) }) ? text
        : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
