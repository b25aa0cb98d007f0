// swift-tools-version:6.0
// runner: trains RNN, GRU and LSTM networks it implements itself, many runs at
// once, records every epoch in SQLite and compares the results.
import PackageDescription

// MARK: - Shared settings

/// The C kernels are the hot path of every training step (and SHA-256, of plan expansion):
/// always optimise them, also in debug builds, so that `swift test` stays fast.
let kernelCSettings: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]

let package = Package(
    name: "runner",
    platforms: [.macOS(.v13)],
    // MARK: - Products
    products: [
        .executable(name: "runner", targets: ["runner"]),
        .library(name: "SequenceModels", targets: ["SequenceModels"]),
    ],
    // MARK: - Dependencies
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // MARK: - Library targets
        .target(name: "CKernels", cSettings: kernelCSettings),
        .target(name: "JSON"),
        .target(name: "SequenceModels", dependencies: ["CKernels"]),
        .target(name: "NumPyFiles", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Tasks", dependencies: ["SequenceModels", "JSON", "NumPyFiles"]),
        .target(name: "ResultsStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(name: "Reports", dependencies: ["ResultsStore", "JSON"]),
        .target(name: "Experiments", dependencies: ["CKernels", "SequenceModels", "Tasks", "ResultsStore", "JSON"]),
        // The .proto files are the source of Generated/ (see README, "TensorBoard"); SwiftPM does not compile them.
        .target(name: "TensorBoard", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Protos"]),
        // MARK: - Executable
        .executableTarget(name: "runner", dependencies: [
            "SequenceModels", "Tasks", "Experiments", "ResultsStore", "Reports", "JSON", "TensorBoard",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // MARK: - Tests
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        .testTarget(name: "SequenceModelsTests", dependencies: ["SequenceModels", "CKernels"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "SequenceModels"]),
        .testTarget(name: "NumPyFilesTests", dependencies: ["NumPyFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")], exclude: ["Fixtures"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "JSON", "NumPyFiles", "SequenceModels", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "ResultsStoreTests", dependencies: ["ResultsStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "ResultsStore", .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Golden"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "ResultsStore", "Reports", "Tasks", "SequenceModels", "JSON", "NumPyFiles", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "RunnerEndToEndTests", dependencies: ["runner", "SequenceModels", "NumPyFiles", "TensorBoard", .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5]
)
