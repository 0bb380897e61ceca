// swift-tools-version:6.0
import Foundation
import PackageDescription

let package = Package(
    name: "depthbook",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "depthbook", targets: ["depthbook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The preview server (`depthbook preview`): HTTP and server-sent events.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own dependencies, named for the preview's logger and bind errors.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System libraries from Debian; each is imported by exactly one Swift file.
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // The engine's hot elementwise loops in C, one body compiled for baseline x86-64/aarch64
        // and for AVX2, chosen at run time (Sources/CKernels/Kernels.c says why not target_clones).
        // -ffp-contract=off: no FMA contraction, so every variant gives the scalar order's bits.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-fast-math"])]
        ),
        .target(
            name: "DepthMuP",
            dependencies: ["CBLAS", "CZlib", "CKernels"],
            // The engine is optimized even in debug builds: `make test` trains real networks
            // (gradient checks, C1–C3, tutorial renders at ci scale) and -Onone is 20× slower.
            swiftSettings: [
                .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ]
        ),
        .target(
            name: "Notebook",
            // The engine's value types (activation, modes, loss, optimizer, parametrization)
            // are the notebook schema's: one definition per concept.
            dependencies: ["CCmark", "DepthMuP", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "Runner", dependencies: ["Notebook", "DepthMuP"]),
        .target(
            name: "Render",
            dependencies: ["Notebook", "Runner", "DepthMuP", .product(name: "Mustache", package: "swift-mustache")]
        ),
        // The notebook fuzzer's checks and generator (tests and the libFuzzer target share it).
        .target(name: "FuzzSupport", dependencies: ["Notebook", "Runner", "Render"]),
        // The render/check pipeline as a library: the CLI, a preview server and tests drive it.
        .target(name: "DepthbookKit", dependencies: ["Notebook", "Runner", "Render", "DepthMuP"]),
        // `depthbook preview`: serves a notebook or book, re-renders on save, pushes updates (SSE).
        .target(
            name: "DepthbookPreview",
            dependencies: [
                "DepthbookKit", "DepthMuP", "Notebook", "Runner", "Render",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "depthbook",
            dependencies: [
                "DepthbookKit", "DepthbookPreview", "Notebook", "Runner", "Render", "DepthMuP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "DepthMuPTests", dependencies: ["DepthMuP"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "DepthMuP"]),
        // Fakes shared by the test targets: a test target itself, so only test builds compile it
        // (SwiftPM's native build system lets test targets depend on one).
        .testTarget(name: "TestSupport", dependencies: ["Runner", "Notebook"], path: "Tests/TestSupport"),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Notebook", "DepthMuP", "TestSupport"]),
        .testTarget(name: "DepthbookKitTests", dependencies: ["DepthbookKit", "Runner", "Notebook", "Render", "TestSupport"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Runner", "Notebook", "DepthMuP", "FuzzSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "DepthbookPreviewTests", dependencies: ["DepthbookPreview", "DepthbookKit", "DepthMuP", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["depthbook", "DepthMuP", "Runner", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)

// libFuzzer's target: libFuzzer supplies `main`, so it exists only when asked for
// (`DEPTHBOOK_FUZZ=1 swift build -Xswiftc -sanitize=fuzzer --product depthbook-fuzz`).
if ProcessInfo.processInfo.environment["DEPTHBOOK_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "depthbook-fuzz", dependencies: ["FuzzSupport"],
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
