// swift-tools-version: 6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "maestro",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "maestro", targets: ["maestro"]),
        .executable(name: "maestro-bench", targets: ["maestro-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", .upToNextMinor(from: "1.8.2")),
        .package(url: "https://github.com/jpsim/Yams", .upToNextMinor(from: "6.2.2")),
        .package(url: "https://github.com/groue/GRDB.swift", .upToNextMinor(from: "7.10.0")),
        .package(url: "https://github.com/swiftlang/swift-subprocess", .upToNextMinor(from: "1.0.2")),
        .package(url: "https://github.com/apple/swift-log", .upToNextMinor(from: "1.16.2")),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", .upToNextMinor(from: "2.13.0")),
        .package(url: "https://github.com/hummingbird-project/hummingbird", .upToNextMinor(from: "2.28.1")),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", .upToNextMinor(from: "2.8.1")),
        .package(url: "https://github.com/apple/swift-metrics", .upToNextMinor(from: "2.13.0")),
        .package(url: "https://github.com/apple/swift-http-types", .upToNextMinor(from: "1.8.0")),
        .package(url: "https://github.com/swift-server/swift-prometheus", .upToNextMinor(from: "2.4.1")),
        .package(url: "https://github.com/apple/swift-nio", .upToNextMinor(from: "2.101.2")),
        .package(url: "https://github.com/swift-server/async-http-client", .upToNextMinor(from: "1.37.0")),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // 0.x: pinned exactly (the MCP surface was tested against this version).
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        .target(name: "StateMachine", swiftSettings: strictSettings),
        .target(
            name: "WorkflowParser",
            dependencies: ["StateMachine", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Runtime",
            dependencies: [
                "StateMachine", "WorkflowParser", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // Adapters reach the store only through Runtime's API: no GRDB here.
        .target(
            name: "Adapters",
            dependencies: [
                "Runtime", "StateMachine", "WorkflowParser", .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Transports",
            dependencies: [
                "Runtime", "StateMachine", "WorkflowParser", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "MCP", package: "swift-sdk"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings,
            plugins: ["DashboardAssets"]
        ),
        /// The scripted agent behind `maestro demo`: the server side of the Codex app-server protocol.
        .target(
            name: "DemoAgent",
            dependencies: ["Runtime", "StateMachine", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strictSettings
        ),
        /// Turns the files of `Dashboard/` into a Swift source for Transports, so the binary carries
        /// the dashboard (see Specs/decisions.md).
        .executableTarget(name: "DashboardAssetsGenerator", swiftSettings: strictSettings),
        .plugin(name: "DashboardAssets", capability: .buildTool(), dependencies: ["DashboardAssetsGenerator"]),
        /// Test doubles for orchestrator behaviour: a scripted agent runner, an in-memory tracker, a
        /// test clock and a temporary store.
        .target(
            name: "RuntimeTesting",
            dependencies: ["Runtime", "StateMachine", "WorkflowParser", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "maestro",
            dependencies: [
                "StateMachine", "WorkflowParser", "Runtime", "Adapters", "Transports", "DemoAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "maestro-bench",
            dependencies: [
                "StateMachine", "WorkflowParser", "Runtime", "Adapters", "RuntimeTesting",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "StateMachineTests", dependencies: ["StateMachine"], swiftSettings: strictSettings),
        .testTarget(
            name: "WorkflowParserTests",
            dependencies: ["WorkflowParser", "StateMachine"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "Runtime", "RuntimeTesting", "StateMachine", "WorkflowParser", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AdaptersTests",
            dependencies: [
                "Adapters", "Runtime", "RuntimeTesting", "StateMachine", "WorkflowParser", "DemoAgent",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TransportsTests",
            dependencies: [
                "Transports", "Runtime", "RuntimeTesting", "Adapters", "StateMachine", "WorkflowParser",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"), .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MaestroCLITests",
            dependencies: ["WorkflowParser", "StateMachine", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: strictSettings
        ),
    ]
)
