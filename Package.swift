// swift-tools-version: 6.1
// ContextStore: an embedded, log-structured storage engine for AI context segments.
import PackageDescription

let package = Package(
    name: "ContextStore",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ContextStore", targets: ["ContextStore"]),
        // The MCP server as a library, for an app that serves its own store over its own transport.
        .library(name: "ContextStoreMCP", targets: ["ContextStoreMCP"]),
        .executable(name: "ctxstore", targets: ["ctxstore"]),
        // The MCP server program that `ctxstore mcp` starts (kept apart: see its target).
        .executable(name: "ctxstore-mcp", targets: ["ctxstore-mcp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The Model Context Protocol: `ctxstore mcp` serves the store to an assistant.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The system LZ4 (Debian: liblz4-dev); records are compressed in batches with it.
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        // The system zstd (Debian: libzstd-dev): log batches are compressed with it by default.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // Hardware CRC32C (SSE4.2) and SHA-256 block compression (SHA-NI), each chosen at
        // run time. The portable Swift versions in ContextStore/Coding/CRC32C.swift and
        // ContextStore/Hashing/SHA256.swift are the fallbacks and the test oracles.
        .target(name: "CContextStoreSupport"),
        // The cl100k_base and o200k_base rank files, compiled in (C23 #embed of the LZ4
        // frames in data/, made by Tools/gen/gen_vocabulary.sh) with an LZ4 frame decoder,
        // so token counts need no downloaded vocabulary. data/ holds no sources.
        .target(
            name: "CContextStoreVocabulary",
            dependencies: ["CLZ4"],
            exclude: ["data"]
        ),
        .target(
            name: "ContextStore",
            dependencies: ["CLZ4", "CZstd", "CContextStoreSupport", "CContextStoreVocabulary"]
        ),
        // The MCP server (`ctxstore mcp`): the store's tools for an assistant, over stdio.
        // Above the library: it uses ContextStore's public (and package) API only.
        .target(
            name: "ContextStoreMCP",
            dependencies: [
                "ContextStore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ctxstore",
            dependencies: [
                "ContextStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/ctxstore"
        ),
        // `ctxstore mcp` replaces itself with this program: the only one that links the MCP
        // SDK, whose HTTP transports load Foundation's networking and libcurl with about thirty
        // shared libraries, 80-100 ms of every start with a cold page cache.
        .executableTarget(
            name: "ctxstore-mcp",
            dependencies: [
                "ContextStoreMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/ctxstore-mcp"
        ),
        // Append-throughput benchmark (plain executable: no benchmark framework to build).
        .executableTarget(
            name: "LogBench",
            dependencies: ["ContextStore"],
            path: "Benchmarks/LogBench"
        ),
        // Tokenizer throughput against Python tiktoken on the same texts.
        .executableTarget(
            name: "TokenBench",
            dependencies: ["ContextStore"],
            path: "Benchmarks/TokenBench"
        ),
        // What several test targets share: temporary directories, the seeded generator,
        // segment builders, byte mutators, running `ctxstore` and python3, the tiktoken
        // oracle. Public API of ContextStore only (a plain target cannot @testable import).
        .target(
            name: "ContextStoreTestSupport",
            dependencies: ["ContextStore"],
            path: "Tests/ContextStoreTestSupport"
        ),
        // The library, folder by folder as Sources/ContextStore (crash tests run ctxstore's
        // crash-writer as a child process, found beside the test bundle).
        .testTarget(
            name: "ContextStoreTests",
            dependencies: ["ContextStore", "CContextStoreSupport", "ContextStoreTestSupport"]
        ),
        // The command line: tests that run `ctxstore` and check its output and statuses.
        // Depending on the executable makes `swift test` build it.
        .testTarget(
            name: "ctxstoreTests",
            dependencies: ["ContextStore", "ContextStoreMCP", "ContextStoreTestSupport", "ctxstore", "ctxstore-mcp",
                           .product(name: "MCP", package: "swift-sdk")]
        ),
    ]
)
