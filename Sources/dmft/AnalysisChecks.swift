import ArgumentParser
import DMFT
import Foundation

// `validate()` of the commands that are not a single solve or simulation: asymptotics,
// threshold, plot (see `CommandChecks.swift` for the others).

extension Asymptotics {
    func validate() throws {
        try Check.refusing {
            let (_, p) = try problem.checked()
            let resolved = try problem.settings(try given).settings.resolved(for: p)
            let duration = try resolved.value(\.tmax, "tmax")
            try Check.number(duration, "--tmax", timeBounds)
            try Check.number(resolved.dt, "--dt", .positive(atMost: duration))
            try Check.number(resolved.tolerance, "--tolerance", toleranceBounds)
            try Check.count(resolved.indexCount, "--index-count", 1...1000)
            try Check.memoryLimit(resources.maxMemoryGB)
            try checkApplicability(p)
            let a0s = try Check.list(typeA0, "--type-a0", .magnitude(atMost: 1e3)) ?? [p.initialSecondLayer]
            if let weights = try Check.list(typeWeights, "--type-weights", .positive(atMost: 1)), weights.count != a0s.count {
                throw DMFTError.invalidInput(
                    "--type-weights gives \(weights.count) fractions for \(a0s.count) neuron types (--type-a0)")
            }
            if regime == .meanField, (resolved.indexCount ?? 1) != 1 || resolved.typeA0 != nil || resolved.typeWeights != nil {
                _ = try meanFieldProblem(p, resolved)
            }
            try Check.budget(try budget(p, dt: resolved.dt, duration: duration), memoryLimitGB: resources.maxMemoryGB)
            try Check.outputPath(out, "--out")
            _ = try RunOutput.paths(for: out)
        }
    }

    /// Refuses flags the regime does not use.
    private func checkApplicability(_ p: TrainingProblem) throws {
        let mode = "asymptotics \(regime.rawValue)"
        if regime != .meanField {
            try Check.notApplicable(
                ["--index-count", "--type-a0", "--type-weights"], to: mode, instead: "they belong to the mean-field regime")
        }
        if regime != .lazy2 {
            try Check.notApplicable(["--tolerance"], to: mode, instead: "only lazy-2 has a solver tolerance")
        } else {
            try Check.notApplicable(["--dt"], to: mode, instead: "its long-time solver chooses its steps from --tolerance")
        }
        let lazy: Bool = { if case .lazy = p.initialization { return true } else { return false } }()
        if regime == .lazy1 || regime == .lazy2 || regime == .pspin || (regime == .meanField && !lazy) {
            try Check.notApplicable(
                ["--width"], to: mode, instead: "the m → ∞ limit does not depend on m (only infinite-width, through ᾱ = αm)")
        }
        if regime == .lazy1 || regime == .lazy2 {
            try Check.notApplicable(
                ["--freeze-second-layer", "--no-freeze-second-layer"], to: mode,
                instead: "the lazy regimes keep a frozen at γ₀√m")
        }
        // Weight decay and κ enter the second-layer equation the mean-field ODE and the
        // infinite-width limit share with the DMFT; a frozen first layer has no m → ∞ dynamics.
        let supported: [TrainingOption] = regime == .meanField || regime == .infiniteWidth
            ? [.weightDecay, .learningRateRatio] : []
        try p.refuse(
            TrainingOption.allCases.filter { !supported.contains($0) }, in: mode,
            instead: "its m → ∞ theory is derived without it; run dmft solve (finite m) instead")
    }

    /// What the regime needs to `duration` with step or spacing `dt` (nil: the regime's default).
    private func budget(_ p: TrainingProblem, dt: Double?, duration: Double) throws -> Budget {
        let what = "asymptotics \(regime.rawValue) to --tmax \(Check.format(duration))"
        switch regime {
        case .meanField, .lazy1:
            let spacing = dt ?? 0.01
            let rows = (duration / spacing).rounded(.up) + 1
            return Budget(
                what: what + " every --dt \(Check.format(spacing)) (\(Check.format(rows)) rows)", rows: rows,
                columns: 7, advice: "raise --dt or lower --tmax")
        case .lazy2:
            return .longSolver(tmax: duration, flag: "asymptotics lazy-2")
        case .pspin:
            // θ grows at least like τ√α|a₀|s, and the extrapolation runs at half the step.
            let limit = try MeanFieldNoiseLimit(p)
            let step = dt ?? 0.05
            let theta = max(2 * step, limit.timeRate * abs(p.initialSecondLayer) * duration)
            let n = 2 * (theta / step).rounded(.up)
            return Budget(
                what: what + " with --dt \(Check.format(step)) (p-spin time ≥ \(Check.format(theta)), "
                    + "\(Check.format(n)) half steps)", steps: n, memoryBytes: 2 * 8 * (n + 1) * (n + 1), rows: n / 2,
                columns: 5, atLeast: true, advice: "memory grows as (θ/dt)², so raise --dt or lower --tmax")
        case .infiniteWidth:
            let step = dt ?? InfiniteWidthLimit.suggestedStep(for: p)
            let n = (duration / step).rounded(.up)
            return Budget(
                what: what + " with \(dt == nil ? "the default " : "")--dt \(Check.format(step)) "
                    + "(N = \(Check.format(n)) steps)", steps: n,
                memoryBytes: InfiniteWidthLimit(step: step, duration: duration).memoryNeeded(), rows: n + 1,
                advice: "memory grows as N², so raise --dt or lower --tmax")
        }
    }
}

extension Threshold {
    func validate() throws {
        try Check.refusing {
            let (_, base) = try problem.checked()
            let s = try problem.settings(try given).settings.resolved(for: base)
            let scan = try s.value(\.scan, "scan"), scanValues = try s.value(\.values, "values")
            let limitBound: Check.Bounds = scan == .gamma0 ? .positive(atMost: 1e3) : .positive(atMost: 1e6)
            guard (4...1000).contains(scanValues.count) else {
                throw DMFTError.invalidInput("--values needs 4 to 1000 values (the fit has three parameters), got \(scanValues.count)")
            }
            for value in scanValues { try Check.number(value, "--values", limitBound) }
            guard Set(scanValues).count == scanValues.count else {
                throw DMFTError.invalidInput("--values repeats a value; give each value once")
            }
            let tmax = try s.value(\.tmax, "tmax"), memory = try s.value(\.maxMemoryGB, "max_memory_gb")
            try Check.number(s.epsilon, "--epsilon", .unitInterval)
            try Check.number(s.tolerance, "--tolerance", toleranceBounds)
            try Check.number(s.confidence, "--confidence", .unitInterval)
            try Check.number(tmax, "--tmax", timeBounds)
            try Check.number(s.tmaxStart, "--tmax-start", .positive(atMost: tmax))
            try Check.memoryLimit(memory)
            guard base.noise > 0 else {
                throw DMFTError.invalidInput("--noise must be positive: the relaxation level is ε·τ²")
            }
            let isLazy: Bool = { if case .lazy = base.initialization { return true } else { return false } }()
            if scan == .gamma0, !isLazy {
                throw DMFTError.invalidInput("--scan gamma0 needs --init lazy (γ₀ is the lazy scale)")
            }
            let limit = try s.value(\.limit, "limit")
            let systems = limit.widths(for: base.initialization)
            if systems.contains(.lazyRegimeTwo) && !isLazy {
                throw DMFTError.invalidInput(
                    "--limit lazy-2 needs --init lazy (the m = ∞ system of a mean-field initialisation is infinite-width)")
            }
            if systems.contains(.infiniteWidth) && (isLazy || scan != .alphaBar) {
                throw DMFTError.invalidInput(
                    "--limit \(limit.rawValue) with \(isLazy ? "--init lazy" : "--scan \(scan.rawValue)") has no m = ∞ system: "
                        + "infinite-width is the fixed-ᾱ limit (--init meanfield --scan alphabar), lazy-2 the lazy one (--init lazy)")
            }
            if systems.contains(.lazyRegimeTwo) && scan == .alphaBar {
                throw DMFTError.invalidInput(
                    "--scan alphabar has no lazy-2 system (lazy-2 is the m → ∞ limit at fixed α); scan alpha or gamma0")
            }
            let alphaFlag = scan == .alphaBar ? "--alpha" : "--\(scan.rawValue)"
            try Check.notApplicable(
                [alphaFlag], to: "--scan \(scan.rawValue)", instead: "the scanned values are --values")
            try Check.notApplicable(
                ["--freeze-second-layer", "--no-freeze-second-layer"], to: "threshold",
                instead: "the second layer is always frozen during the scan")
            try base.refuse(
                TrainingOption.allCases, in: "dmft threshold",
                instead: "its scan trains the first layer by plain gradient flow with the second frozen")
            if !systems.contains(.finite) {
                try Check.notApplicable(
                    ["--width", "--widths"], to: "--limit \(limit.rawValue)", instead: "the m = ∞ system has no width")
            }
            if widths != nil {
                try Check.notApplicable(["--width"], to: "--widths", instead: "--widths lists every finite width")
            }
            for m in s.widths ?? [] { try Check.count(m, "--widths", 1...100_000) }
            if !systems.contains(.infiniteWidth) {
                try Check.notApplicable(["--dt"], to: "--limit \(limit.rawValue)", instead: "only infinite-width has a step")
            } else {
                let dt = try s.value(\.dt, "dt")
                try Check.number(dt, "--dt", .positive(atMost: 10))
                let n = (tmax / dt).rounded(.up)
                try Check.budget(
                    Budget(
                        what: "threshold infinite-width to --tmax \(Check.format(tmax)) with --dt \(Check.format(dt)) "
                            + "(N = \(Check.format(n)) steps)", steps: n,
                        memoryBytes: InfiniteWidthLimit(step: dt, duration: tmax).memoryNeeded(), rows: n + 1,
                        advice: "memory grows as N², so raise --dt or lower --tmax"),
                    memoryLimitGB: memory)
            }
            try Check.budget(.longSolver(tmax: tmax, flag: "threshold"), memoryLimitGB: memory)
            try Check.outputDirectory(outDir, "--out-dir")
            if try s.value(\.png, "png") { _ = try PNGRenderer.requireConverter(for: outDir + "/threshold.png") }
        }
    }
}

extension Plot {
    func validate() throws {
        try Check.refusing {
            guard !files.isEmpty else { throw DMFTError.invalidInput("give at least one CSV file") }
            try Check.count(pngWidth, "--png-width", 16...20_000)
            try Check.count(maxMarkers, "--max-markers", 2...1_000_000)
            try Check.count(columns, "--columns", 1...12)
            try Check.memoryLimit(resources.maxMemoryGB)
            if !png { try Check.notApplicable(["--png-width"], to: "an SVG-only figure", instead: "add --png") }
            if scaling {
                let conflicting = [
                    timeAxis != .t ? "--time-axis" : nil, logTime ? "--log-time" : nil, panels != nil ? "--panels" : nil,
                ].compactMap { $0 }
                if !conflicting.isEmpty {
                    throw DMFTError.invalidInput(
                        "--scaling draws fixed panels on linear axes (time as t/m); it cannot be combined with "
                            + conflicting.joined(separator: ", "))
                }
            }
            var bytes = 0.0
            for file in files {
                try Check.inputFile(file, "CSV file")
                bytes += InputFile.size(file)
            }
            let svgPath = out ?? replacingExtension(of: files[0], with: "svg")
            try Check.outputPath(svgPath, "--out")
            // Each value is read into 8 bytes and drawn as about 20 characters of SVG; the PNG
            // is rendered at --png-width by --png-width·3/4 pixels of 4 bytes.
            let pixels = png ? 3 * Double(pngWidth) * Double(pngWidth) : 0
            try Check.budget(
                Budget(what: "plotting \(files.count) file(s) of \(Check.gigabytes(bytes))", memoryBytes: 3 * bytes + pixels,
                       advice: "plot fewer or smaller files, or a smaller --png-width"),
                memoryLimitGB: resources.maxMemoryGB)
        }
    }
}
