import Logging
import NIOCore
import NIOPosix
import NoaAgent
import NoaJournal
import NoaSinks
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `noa-agent`: one daemon per Linux server for host metrics, logs and traces.
@main
struct NoaAgentMain {
    static func main() async {
        // A console sink or stderr on a closed pipe must fail a write (EPIPE, counted), not kill the agent.
        signal(SIGPIPE, SIG_IGN)
        switch AgentCommand.parse(Array(CommandLine.arguments.dropFirst())) {
        case .failure(let error):
            printErr("Error: \(error.message)\n\n" + AgentCommand.helpText(error.subcommand))
            exit(64)  // EX_USAGE
        case .success(.help(let topic)):
            print(AgentCommand.helpText(topic), terminator: "")
        case .success(.version):
            print("noa-agent \(AgentVersion.current)")
        case .success(.validate(let config)):
            exit(validate(config: config))
        case .success(.journalReader(let options)):
            // The journald source's child process: no logging bootstrap, no event loops, frames on stdout.
            exit(JournalReaderChild.run(options))
        case .success(.setupElasticsearch(let config, let sink)):
            exit(await setupElasticsearch(config: config, sink: sink))
        case .success(.run(let config, let logLevel)):
            exit(await run(config: config, logLevel: logLevel))
        }
    }

    static func validate(config: String) -> Int32 {
        switch ConfigSource.file(config).load(with: ConfigLoader(environment: processEnvironment())) {
        case .success(let loaded):
            print("\(config): OK (\(loaded.sources.count) sources, \(loaded.sinks.count) sinks)")
            return 0
        case .failure(let errors):
            printErr(errors.description)
            return 1
        }
    }

    /// `setup elasticsearch`: 0 when every template is installed, 1 when one is not, 2 for a bad config.
    static func setupElasticsearch(config: String, sink: String?) async -> Int32 {
        let loaded: AgentConfig
        switch ConfigSource.file(config).load(with: ConfigLoader(environment: processEnvironment())) {
        case .success(let value): loaded = value
        case .failure(let errors):
            printErr(errors.description)
            return 2
        }
        let targets: [(id: String, config: ElasticsearchSinkConfig)]
        switch ElasticsearchSetup.sinks(in: loaded, sinkID: sink) {
        case .success(let found): targets = found
        case .failure(let error):
            printErr("\(config): \(error.message)")
            return 2
        }
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: .warning, journal: false) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let outcomes = await ElasticsearchSetup.run(targets, group: group, logger: Logger(label: "noa-agent"))
        try? await group.shutdownGracefully()
        var status: Int32 = 0
        for outcome in outcomes {
            if outcome.installed {
                print(ElasticsearchSetup.describe(outcome))
            } else {
                printErr(ElasticsearchSetup.describe(outcome))
                status = 1
            }
        }
        return status
    }

    static func run(config: String?, logLevel: Logger.Level) async -> Int32 {
        let environment = processEnvironment()
        let journal = !(environment["JOURNAL_STREAM"] ?? "").isEmpty
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: logLevel, journal: journal) }
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
            return 2
        }
        logger.info("Starting.", metadata: ["version": "\(AgentVersion.current)", "config": "\(source)"])

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        let notifier = SystemdNotifier(environment: environment)
        let pageRelease = StartupPageRelease(logger: logger)
        let agent = AgentService(
            configSource: source, loader: loader, initialConfig: agentConfig, group: group,
            threadPool: threadPool, notifier: notifier, logger: logger,
            onListening: { serving, receiving in
                pageRelease.markStarted()
                // For a person at a terminal (`make run`); under systemd the log lines say the same.
                guard !journal else { return }
                for (id, address) in serving { printErr("noa-agent: sink \(id) serving \(address)") }
                for (id, address) in receiving { printErr("noa-agent: source \(id) receiving on \(address)") }
            })
        let serviceGroup = ServiceGroup(
            services: [agent, WatchdogService(notifier: notifier), pageRelease],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        var status: Int32 = 0
        do {
            try await serviceGroup.run()
            logger.info("Stopped.")
        } catch {
            logger.critical("The agent stopped on an error.", metadata: ["error": "\(error)"])
            status = 1
        }
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
        return status
    }
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

func printErr(_ text: String) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    let bytes = Array(line.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
