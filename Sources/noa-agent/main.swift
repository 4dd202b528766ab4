import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import NoaAgent
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `noa-agent`: one daemon per Linux server for host metrics, logs and traces.
@main
struct NoaAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noa-agent",
        abstract: "A Linux host and process telemetry agent: node_exporter-compatible metrics on one Prometheus endpoint.",
        subcommands: [Run.self, Validate.self, Version.self],
        defaultSubcommand: nil
    )
}

func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let eq = text.firstIndex(of: "=") {
            result[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        pointer += 1
    }
    return result
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent until SIGTERM or SIGINT; SIGHUP reloads the config file.")

    @Option(name: .long, help: "Config file. Without it, \(DefaultConfig.path) if it exists, else the built-in default.")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let environment = processEnvironment()
        let journal = !(environment["JOURNAL_STREAM"] ?? "").isEmpty
        let level = logLevel
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level, journal: journal) }
        let logger = Logger(label: "noa-agent")

        let source: ConfigSource
        if let config {
            source = .file(config)
        } else if access(DefaultConfig.path, R_OK) == 0 {
            source = .file(DefaultConfig.path)
        } else {
            source = .builtIn
        }
        let loader = ConfigLoader(environment: environment)
        let agentConfig: AgentConfig
        switch source.load(with: loader) {
        case .success(let loaded): agentConfig = loaded
        case .failure(let errors):
            printErr(errors.description)
            throw ExitCode(2)
        }
        logger.info("Starting.", metadata: ["version": "\(AgentVersion.current)", "config": "\(source)"])

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        let notifier = SystemdNotifier(environment: environment)
        let agent = AgentService(
            configSource: source, loader: loader, initialConfig: agentConfig, group: group,
            threadPool: threadPool, telemetry: AgentTelemetry(), notifier: notifier, logger: logger,
            onListening: { endpoints in
                // For a person at a terminal (`make run`); under systemd the log line above says the same.
                guard !journal else { return }
                for (id, address) in endpoints { printErr("noa-agent: sink \(id) serving \(address)") }
            })
        let serviceGroup = ServiceGroup(
            services: [agent, WatchdogService(notifier: notifier)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        do {
            try await serviceGroup.run()
        } catch {
            logger.critical("The agent stopped on an error.", metadata: ["error": "\(error)"])
            try? await threadPool.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw ExitCode(1)
        }
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
        logger.info("Stopped.")
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config file; print file:line:column: problem for every problem found.")

    @Option(name: .long, help: "The config file to check.")
    var config: String

    func run() throws {
        switch ConfigSource.file(config).load(with: ConfigLoader(environment: processEnvironment())) {
        case .success(let loaded):
            print("\(config): OK (\(loaded.sources.count) sources, \(loaded.sinks.count) sinks)")
        case .failure(let errors):
            printErr(errors.description)
            throw ExitCode(1)
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("noa-agent \(AgentVersion.current)")
    }
}

func printErr(_ text: String) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    let bytes = Array(line.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
