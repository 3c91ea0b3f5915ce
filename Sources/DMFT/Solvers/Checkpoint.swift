import Foundation

/// A long-time run's state between two steps: a JSON header (what was run, the one-time
/// functions, the observables so far) followed by the lower triangles of the stored
/// two-time arrays as raw doubles, and a CRC-32 of everything before it. Written to a
/// temporary file and renamed into place, so a crash leaves the previous checkpoint intact;
/// a file whose checksum does not match, or whose state is not finite, is refused.
struct Checkpoint: Codable {
    static let magic = Array("DMFTCKPT2\n".utf8)
    /// The first version, without a checksum.
    static let uncheckedMagic = Array("DMFTCKPT1\n".utf8)

    /// Identifies the problem and the solver settings the state belongs to.
    var fingerprint: String
    var capacity: Int
    var times: [Double], steps: [Double], a: [Double], v: [Double]
    var rowCurvature: Double
    var rows: [[Double]]
    /// The passes completed before the one in progress.
    var finished: [PassRecord]

    /// The two-time arrays as read from a file.
    private var payload: [Double]? = nil
    /// The live arrays a checkpoint being written streams from (no copy of the state).
    private var source: [TwoTimeArray] = []

    enum CodingKeys: String, CodingKey {
        case fingerprint, capacity, times, steps, a, v, rowCurvature = "row_curvature", rows, finished
    }

    static func fingerprint(problem: TrainingProblem, solver: LongTimeSolver) -> String {
        "dmft \(dmftVersion); \(problem); T=\(solver.duration) tol=\(solver.tolerance) maxStep=\(solver.maxStep) "
            + "growth=\(solver.maxGrowth) first=\(solver.firstStep(for: problem))"
    }

    init(fingerprint: String, finished: [PassRecord], state pass: PassState) {
        let s = pass.stepper
        self.fingerprint = fingerprint
        capacity = s.capacity
        times = s.times; steps = s.steps; a = s.a; v = s.v
        rowCurvature = s.rowCurvature
        rows = pass.rows
        self.finished = finished
        source = Self.arrays(of: s)
    }

    private static func arrays(of s: GridStepper) -> [TwoTimeArray] { [s.cd, s.co, s.rd, s.ro, s.x, s.sigmaC] }

    func write(to path: String) throws {
        var head = Data(Self.magic)
        let header = try JSONEncoder().encode(self)
        var length = UInt64(header.count).littleEndian
        head.append(Data(bytes: &length, count: 8))
        head.append(header)
        var crc = CRC32()
        crc.update(head)
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: head),
            let file = FileHandle(forWritingAtPath: temporary)
        else { throw DMFTError.io("cannot write checkpoint \(temporary)") }
        do {
            try file.seekToEnd()
            for array in source {
                for k in 0..<times.count {
                    let row = Data(bytesNoCopy: array.row(k), count: (k + 1) * 8, deallocator: .none)
                    crc.update(row)
                    try file.write(contentsOf: row)
                }
            }
            var checksum = crc.value.littleEndian
            try file.write(contentsOf: Data(bytes: &checksum, count: 4))
            try file.close()
        } catch {
            try? file.close()
            throw DMFTError.io("cannot write checkpoint \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            throw DMFTError.io("cannot move checkpoint into place at \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func read(from path: String, fingerprint: String) throws -> Checkpoint {
        let data = try InputFile.read(path, what: "checkpoint", limitBytes: .infinity)
        let restart = "; remove it and run again without --resume"
        let bad = DMFTError.io("\(path) is not a dmft checkpoint (or is truncated)\(restart)")
        if Array(data.prefix(uncheckedMagic.count)) == uncheckedMagic {
            throw DMFTError.io("checkpoint \(path) was written by an earlier dmft without a checksum\(restart)")
        }
        guard data.count > magic.count + 8 + 4, Array(data.prefix(magic.count)) == magic else { throw bad }
        let body = data.prefix(data.count - 4)
        var stored: UInt32 = 0
        _ = withUnsafeMutableBytes(of: &stored) { data.suffix(4).copyBytes(to: $0) }
        let computed = CRC32.checksum(body)
        guard UInt32(littleEndian: stored) == computed else {
            throw DMFTError.io(
                "checkpoint \(path) is corrupt (CRC-32 \(hex(computed)) does not match the stored "
                    + "\(hex(UInt32(littleEndian: stored))))\(restart)")
        }
        var length: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &length) { data[magic.count..<(magic.count + 8)].copyBytes(to: $0) }
        let start = magic.count + 8
        guard UInt64(littleEndian: length) <= UInt64(body.count - start) else { throw bad }
        let headerEnd = start + Int(UInt64(littleEndian: length))
        guard var checkpoint = try? JSONDecoder().decode(Checkpoint.self, from: data[start..<headerEnd]) else { throw bad }
        guard checkpoint.fingerprint == fingerprint else {
            throw DMFTError.invalidInput(
                "checkpoint \(path) belongs to another run: its problem or solver settings (or dmft version) differ "
                    + "from this command's; resume with the flags of the run that wrote it, or remove it")
        }
        guard checkpoint.isConsistent else { throw bad }
        let count = checkpoint.times.count
        let expected = 6 * count * (count + 1) / 2
        guard body.count - headerEnd == expected * 8 else { throw bad }
        checkpoint.payload = body[headerEnd...].withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        guard checkpoint.isFinite else {
            throw DMFTError.io("checkpoint \(path) holds non-finite values (the saved state diverged)\(restart)")
        }
        return checkpoint
    }

    /// Whether the header's sizes fit together, so that resuming indexes only what exists:
    /// one step fewer than times, `a` and `v` per time, one observable row per completed time,
    /// room for every time, finished passes on the grids the coarse one implies (the
    /// decimated pass has every other coarse point, the fine one bisects every interval), the
    /// pass in progress within its grid, and every row as wide as the observables.
    private var isConsistent: Bool {
        let count = times.count, width = Observable.dmftColumns.count
        guard count >= 1, count <= capacity, capacity <= 1 << 20, steps.count == count - 1, a.count == count,
            v.count == count, rows.count == count - 1, finished.count < 3,
            (rows + finished.flatMap(\.rows)).allSatisfy({ $0.count == width })
        else { return false }
        guard let coarse = finished.first?.times.count else { return true }
        let sizes = [coarse, (coarse + 1) / 2, 2 * coarse - 1]
        for (pass, record) in finished.enumerated() where !(pass == 1 && record.failure != nil) {
            guard record.times.count == sizes[pass], record.rows.count == sizes[pass], record.failure == nil else {
                return false
            }
        }
        return coarse >= 3 && coarse % 2 == 1 && count <= sizes[finished.count]
    }

    /// Whether every number of the state is finite.
    private var isFinite: Bool {
        let lists = [times, steps, a, v, payload ?? []] + rows + finished.flatMap(\.rows) + finished.map(\.times)
        return rowCurvature.isFinite && lists.allSatisfy { $0.allSatisfy(\.isFinite) }
    }

    /// A pass state equal to the one that was saved.
    func restorePass(problem: TrainingProblem) throws -> PassState {
        guard let payload else { throw DMFTError.io("checkpoint has no state") }
        var stepper = try GridStepper(problem: problem, capacity: capacity, implicitLocalTerms: true, keep: false)
        stepper.times = times; stepper.steps = steps; stepper.a = a; stepper.v = v
        stepper.rowCurvature = rowCurvature
        try stepper.reserve(rows: capacity)
        stepper.restoreWeights()
        let count = times.count
        var offset = 0
        for (index, array) in Self.arrays(of: stepper).enumerated() {
            for k in 0..<count {
                payload.withUnsafeBufferPointer { array.row(k).update(from: $0.baseAddress! + offset, count: k + 1) }
                offset += k + 1
            }
            if index == 0 || index == 1 || index == 5 {   // symmetric: C_d, C_o, Σ_C
                for k in 0..<count { for s in 0..<k { array[s, k] = array[k, s] } }
            }
        }
        return PassState(stepper: stepper, rows: rows)
    }
}

private func hex(_ x: UInt32) -> String { "0x" + String(x, radix: 16, uppercase: false) }
