// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "DMFT",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "DMFT", targets: ["DMFT"]),
        .executable(name: "dmft", targets: ["dmft"]),
        .executable(name: "dmft-bench", targets: ["dmft-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // GSL, FFTW and OpenBLAS. OpenBLAS is linked first and GSL's own reference
        // CBLAS (libgslcblas) is never linked, so every cblas_* symbol is OpenBLAS's.
        .systemLibrary(name: "CNumerics", path: "Sources/CNumerics"),
        .target(name: "DMFT", dependencies: ["CNumerics", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "dmft",
            dependencies: ["DMFT", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "dmft-bench", dependencies: ["DMFT", "CNumerics"]),
        .testTarget(name: "DMFTTests", dependencies: ["DMFT", "CNumerics"]),
    ]
)
