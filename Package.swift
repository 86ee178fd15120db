// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "blocksnap",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "blocksnap", targets: ["blocksnap"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CXXHash", path: "Sources/CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .target(name: "BlockSnapCore"),
        .target(name: "CPageCache"),
        .target(name: "CMallocTuning"),
        .target(name: "BlockingIO", dependencies: ["BlockSnapCore"]),
        .target(
            name: "AWSSigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "AWSWire", dependencies: ["BlockSnapCore"]),
        .target(
            name: "BlockEngine",
            dependencies: [
                "BlockSnapCore", "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "VolumeStoreLocal",
            dependencies: [
                "BlockSnapCore", "BlockEngine", "BlockingIO", "CPageCache", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ObjectStoreFS",
            dependencies: ["BlockSnapCore", "BlockingIO", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "CatalogSQLite",
            dependencies: ["BlockSnapCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "Services",
            dependencies: [
                "BlockSnapCore", "BlockEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "APIServer",
            dependencies: [
                "BlockSnapCore", "Services", "AWSWire", "AWSSigV4",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .target(
            name: "EBSClient",
            dependencies: [
                "AWSSigV4", "CXXHash",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BlockSnapCLI",
            dependencies: [
                "BlockSnapCore", "BlockEngine", "Services", "ObjectStoreFS", "CatalogSQLite", "VolumeStoreLocal", "NBDServer",
                "APIServer", "EBSClient", "AWSSigV4", "CMallocTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "NBDServer",
            dependencies: [
                "BlockSnapCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "blocksnap", dependencies: ["BlockSnapCLI"]),
        .target(name: "BlockSnapTesting", dependencies: ["BlockSnapCore"]),
        .testTarget(name: "BlockSnapCoreTests", dependencies: ["BlockSnapCore"]),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"]),
        .testTarget(name: "CMallocTuningTests", dependencies: ["CMallocTuning"]),
        .testTarget(name: "AWSWireTests", dependencies: ["AWSWire"]),
        .testTarget(
            name: "EBSClientTests",
            dependencies: ["EBSClient", "AWSSigV4", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "BlockEngineTests",
            dependencies: ["BlockEngine", "BlockSnapCore", "BlockSnapTesting", "ObjectStoreFS", "CatalogSQLite", "Services"]
        ),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "BlockEngine", "BlockSnapCore", "BlockSnapTesting", "ObjectStoreFS", "CatalogSQLite",
                "VolumeStoreLocal",
            ]
        ),
        .testTarget(
            name: "VolumeStoreLocalTests",
            dependencies: ["VolumeStoreLocal", "BlockEngine", "BlockSnapCore", "BlockSnapTesting", "ObjectStoreFS", "CatalogSQLite"]
        ),
        .testTarget(
            name: "NBDServerTests",
            dependencies: [
                "NBDServer", "BlockSnapCore", "BlockSnapTesting", "VolumeStoreLocal", "BlockEngine", "CatalogSQLite",
                "ObjectStoreFS", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "ObjectStoreFSTests", dependencies: ["ObjectStoreFS", "BlockSnapTesting"]),
        .testTarget(name: "BlockingIOTests", dependencies: ["BlockingIO", "BlockSnapCore"]),
        .testTarget(name: "CatalogSQLiteTests", dependencies: ["CatalogSQLite", "BlockSnapTesting"]),
        .testTarget(
            name: "APIServerTests",
            dependencies: [
                "APIServer", "Services", "BlockEngine", "ObjectStoreFS", "CatalogSQLite", "AWSSigV4",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
