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
    ],
    targets: [
        .target(name: "StateMachine", swiftSettings: strictSettings),
        .target(
            name: "WorkflowParser",
            dependencies: ["StateMachine", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(name: "Runtime", dependencies: ["StateMachine", "WorkflowParser"], swiftSettings: strictSettings),
        .target(name: "Adapters", dependencies: ["Runtime", "StateMachine"], swiftSettings: strictSettings),
        .target(name: "Transports", dependencies: ["Runtime", "StateMachine"], swiftSettings: strictSettings),
        .executableTarget(
            name: "maestro",
            dependencies: [
                "StateMachine", "WorkflowParser", "Runtime", "Adapters", "Transports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "maestro-bench",
            dependencies: ["StateMachine", "WorkflowParser"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "StateMachineTests", dependencies: ["StateMachine"], swiftSettings: strictSettings),
        .testTarget(
            name: "WorkflowParserTests",
            dependencies: ["WorkflowParser", "StateMachine"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MaestroCLITests",
            dependencies: ["WorkflowParser", "StateMachine"],
            swiftSettings: strictSettings
        ),
    ]
)
