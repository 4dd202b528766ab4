// swift-tools-version:6.1
// noa-agent: a Linux host and process telemetry agent.
// Dependency direction: NoaCore at the bottom, the executable at the top (see ARCHITECTURE.md).
// Heavy dependencies (NIO) stay out of NoaCore / NoaCodecs / NoaProcfs so their tests build fast.
import PackageDescription

let package = Package(
    name: "noa-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "noa-agent", targets: ["noa-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // OTLP protobuf. No traits: the default trait pulls in all of Foundation; without it only
        // FoundationEssentials is linked.
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        // TLS for the HTTP sinks (https:// endpoints). Brings BoringSSL; see DESIGN.md for its build cost.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // zlib from Debian (zlib1g-dev) for gzip-encoded responses.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libdeflate from Debian (libdeflate-dev): one-shot gzip of scrape bodies at about twice zlib's speed.
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate"),
        // Linux calls Swift's Glibc module lacks (adjtimex; later recvmmsg), compiled against the real headers.
        .target(name: "CNoaLinux"),
        // libsystemd's sd_journal API (headers from libsystemd-dev), loaded with dlopen by the journal reader
        // child only (see Sources/CSystemd/include/CSystemd.h).
        .target(name: "CSystemd", linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "NoaCore",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "NoaCodecs",
            dependencies: ["NoaCore", "CZlib", "CDeflate"]
        ),
        // Bounded channels, acknowledgements, batching and retries shared by the log and trace pipelines.
        .target(
            name: "NoaPipeline",
            dependencies: ["NoaCore", .product(name: "Logging", package: "swift-log")]
        ),
        // OTLP: hand-written protobuf readers and writers (traces, metrics, logs, responses) and OTLP/JSON, straight
        // into and out of the agent's models. No SwiftProtobuf: it brought FoundationEssentials into the binary.
        .target(
            name: "NoaOTLP",
            dependencies: ["NoaCore", "NoaCodecs"]
        ),
        // Tests only: the protobuf types generated once from Protos/ (`make generate-otlp`) and committed, and their
        // conversions to the agent's models: the reference the hand-written codec in NoaOTLP is tested against.
        .target(
            name: "NoaOTLPReference",
            dependencies: ["NoaOTLP", "NoaCore", "NoaCodecs", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Trace processing that needs no I/O: head and tail sampling, span metrics.
        .target(
            name: "NoaTraces",
            dependencies: ["NoaCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "NoaProcfs",
            dependencies: ["NoaCore"]
        ),
        // The journal reader (sd_journal), its child-process isolation, frame codec, ECS mapping and checkpoints.
        // No Foundation: it runs inside the agent's binary and as its `journal-reader` child.
        .target(
            name: "NoaJournal",
            dependencies: [
                "NoaCore", "CSystemd", "CNoaLinux",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The config file's YAML reader: no dependencies and no Foundation, to keep the static binary small.
        .target(name: "NoaYAML"),
        .target(
            name: "NoaSources",
            dependencies: [
                "NoaCore", "NoaProcfs", "NoaCodecs", "NoaYAML", "NoaPipeline", "NoaComponents", "NoaHTTP", "NoaJournal",
                "NoaOTLP", "NoaTraces", "CNoaLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The HTTP server the Prometheus sink and the push receivers listen with, and the HTTP client the sinks send
        // with (keep-alive pools, TLS from swift-nio-ssl): below sources and sinks, so both take them from one home.
        .target(
            name: "NoaHTTP",
            dependencies: [
                "NoaCore", "NoaCodecs",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // The component contract: reading a component's keys with positions (ConfigReader, ConfigMap), the source and
        // sink protocols by signal, what they are built with (contexts, the agent's services) and what they return.
        .target(
            name: "NoaComponents",
            dependencies: [
                "NoaCore", "NoaYAML", "NoaPipeline", "NoaHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Log and trace destinations: Elasticsearch, Logstash, files, console, OTLP and Zipkin exporters.
        .target(
            name: "NoaSinks",
            dependencies: [
                "NoaCore", "NoaCodecs", "NoaPipeline", "NoaOTLP", "NoaHTTP", "NoaComponents", "NoaJournal", "CZlib", "CNoaLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "NoaAgent",
            dependencies: [
                "NoaCore", "NoaCodecs", "NoaProcfs", "NoaSources", "NoaYAML", "NoaPipeline", "NoaSinks", "NoaJournal",
                "NoaOTLP", "NoaTraces", "NoaHTTP", "NoaComponents", "CNoaLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "noa-agent",
            dependencies: [
                "NoaAgent", "NoaSources", "NoaSinks", "NoaJournal",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Resident memory (issue 2): linked with lld so that the ~60,000 relative relocations of a PIE are
            // packed (DT_RELR, glibc >= 2.36: 1.3 MB of .rela.dyn become 11 KB that the loader reads at start),
            // and without --export-dynamic, which the driver adds and which put 2 MB of symbol tables that
            // nothing looks up into the file (and, by the kernel's fault-around, into memory). Together: about
            // 3.7 MB less RSS for the host-metrics agent (bench/scrape_cost.py). And the functions the agent runs
            // are laid out together (packaging/symbol-order.sh says why and writes the order file and the linker
            // script; they take effect when every function has its own section, which `make release` asks for).
            // The release link also writes its map (into .build, the default scratch path that make and CI use),
            // which symbol-order.sh reads to find code that has no symbol.
            linkerSettings: [
                .unsafeFlags([
                    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-Xlinker", "--no-export-dynamic",
                    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/packaging/noa-agent.order",
                    "-Xlinker", "--no-warn-symbol-ordering",
                ]),
                .unsafeFlags([
                    "-Xlinker", "-T", "-Xlinker", "\(Context.packageDirectory)/packaging/noa-agent-hot.ld",
                    "-Xlinker", "-Map=\(Context.packageDirectory)/.build/noa-agent-release.map",
                ], .when(configuration: .release)),
            ]
        ),
        // What the tests share: a manual clock, fake transports and receivers (Tests/NoaTestSupport).
        .target(
            name: "NoaTestSupport", dependencies: ["NoaCore", "NoaCodecs", "NoaHTTP", "NoaPipeline"],
            path: "Tests/NoaTestSupport"),
        .testTarget(name: "NoaCoreTests", dependencies: ["NoaCore", "NoaCodecs", "NoaTestSupport"], exclude: ["Fixtures/make_zipkin_golden.py"]),
        .testTarget(
            name: "NoaOTLPTests",
            dependencies: [
                "NoaOTLP", "NoaOTLPReference", "NoaCore", "NoaCodecs",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "NoaTracesTests", dependencies: ["NoaTraces", "NoaCore"]),
        .testTarget(name: "NoaProcfsTests", dependencies: ["NoaProcfs"]),
        .testTarget(name: "NoaYAMLTests", dependencies: ["NoaYAML"]),
        .testTarget(
            name: "NoaHTTPTests",
            dependencies: ["NoaHTTP", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(name: "NoaPipelineTests", dependencies: ["NoaPipeline", "NoaCore", "NoaTestSupport"]),
        .testTarget(
            name: "NoaSinksTests",
            dependencies: [
                "NoaSinks", "NoaHTTP", "NoaComponents", "NoaJournal", "NoaTestSupport", "NoaPipeline", "NoaCodecs", "NoaCore", "NoaOTLP", "NoaOTLPReference",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(name: "NoaJournalTests", dependencies: ["NoaJournal", "NoaCore"]),
        .testTarget(
            name: "NoaSourcesTests",
            dependencies: [
                "NoaSources", "NoaProcfs", "NoaCodecs", "NoaComponents", "NoaHTTP", "NoaOTLP", "NoaOTLPReference",
                "NoaPipeline", "NoaTraces", "NoaTestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "NoaAgentTests",
            dependencies: [
                "NoaAgent", "NoaSources", "NoaSinks", "NoaCodecs", "NoaOTLP", "NoaOTLPReference", "NoaPipeline", "NoaTraces",
                "NoaHTTP", "NoaComponents", "NoaCore", "NoaYAML", "NoaTestSupport",
                "CNoaLinux",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
