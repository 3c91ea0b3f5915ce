import CNumerics

/// A seeded pseudo-random source (GSL's MT19937) for the simulators: the same seed
/// gives the same numbers on every machine. Not thread-safe; use one per run.
public final class GaussianRandom {
    private let rng: UnsafeMutablePointer<gsl_rng>

    public init(seed: UInt64) {
        guard let r = gsl_rng_alloc(dmft_rng_mt19937()) else { fatalError("GSL could not allocate an RNG") }
        rng = r
        // MT19937 takes an unsigned long seed; 0 is GSL's default seed, which is fine.
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
    }

    deinit { gsl_rng_free(rng) }

    /// A standard normal variate (ziggurat).
    @inline(__always) public func normal() -> Double { gsl_ran_gaussian_ziggurat(rng, 1) }

    /// Fills `buffer` with standard normal variates.
    public func fillNormal(_ buffer: UnsafeMutableBufferPointer<Double>) {
        for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(rng, 1) }
    }

    /// `count` standard normal variates.
    public func normals(_ count: Int) -> [Double] { (0..<count).map { _ in normal() } }

    /// A uniform integer in `0..<n`.
    public func uniformInt(_ n: Int) -> Int { Int(gsl_rng_uniform_int(rng, UInt(n))) }

    /// A point uniform on the unit sphere in `R^d`.
    public func unitVector(_ d: Int) -> [Double] {
        var x = normals(d)
        let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in x.indices { x[i] /= norm }
        return x
    }

    /// A seed for run `run` of a simulation seeded with `seed` (distinct, reproducible streams).
    public static func runSeed(_ seed: UInt64, run: Int) -> UInt64 {
        // SplitMix64 finaliser: decorrelates consecutive run indices.
        var z = seed &+ UInt64(run + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
