// swift-tools-version: 5.9
//
// SteadyKit: the iOS app's non-UI logic (enrolment links, use-of-force timers and the
// prone-hold rule, form checks, view state from the core's records, and the @Observable models
// that call the core off the main actor), with XCTest tests a macOS developer runs with
// `swift test` (or on a simulator with `xcodebuild test`).
//
// The core arrives as two build products of `ios/scripts/bootstrap.sh`, copied into
// `Generated/` because SwiftPM refuses targets outside the package root:
//   Generated/SteadyCoreFFI.xcframework  the Rust library (libsteady_ffi.a) with its C headers
//                                        and module map (C module `SteadyCoreFFI`)
//   Generated/SteadyCore/*.swift         the uniffi-generated Swift (module `SteadyCore`)
import PackageDescription

let package = Package(
    name: "SteadyKit",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "SteadyKit", targets: ["SteadyKit"]),
        .library(name: "SteadyCore", targets: ["SteadyCore"]),
    ],
    targets: [
        .binaryTarget(
            name: "SteadyCoreFFI",
            path: "Generated/SteadyCoreFFI.xcframework"
        ),
        .target(
            name: "SteadyCore",
            dependencies: ["SteadyCoreFFI"],
            path: "Generated/SteadyCore",
            linkerSettings: [
                // SQLCipher uses CommonCrypto and SecRandomCopyBytes; TLS certificate checks use
                // the platform verifier (Security); reqwest asks SystemConfiguration for proxies.
                .linkedFramework("Security"),
                .linkedFramework("SystemConfiguration"),
            ]
        ),
        .target(
            name: "SteadyKit",
            dependencies: ["SteadyCore"],
            path: "Sources/SteadyKit"
        ),
        .testTarget(
            name: "SteadyKitTests",
            dependencies: ["SteadyKit", "SteadyCore"],
            path: "Tests/SteadyKitTests"
        ),
    ]
)
