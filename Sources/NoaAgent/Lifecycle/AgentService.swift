import Logging
import NIOCore
import NIOPosix
import NoaComponents
import NoaCore
import NoaPipeline
import ServiceLifecycle
import UnixSignals

/// The agent's main service: builds the topology from the config, tells systemd it is ready, reloads on SIGHUP,
/// and on graceful shutdown stops listening.
///
/// A reload re-reads and validates the file; an invalid file or a listener that can't be bound is logged and
/// counted, and the running topology stays as it was.
public final class AgentService: Service, Sendable {
    private let configSource: ConfigSource
    private let loader: ConfigLoader
    private let initialConfig: AgentConfig
    private let group: any EventLoopGroup
    private let threadPool: NIOThreadPool
    private let metrics = AgentMetrics()
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let onListening: @Sendable (
        _ serving: [(id: String, address: String)], _ receiving: [(id: String, address: String)]
    ) -> Void

    /// - Parameter onListening: once the first config runs: where its metrics sinks serve and its sources receive.
    public init(
        configSource: ConfigSource, loader: ConfigLoader, initialConfig: AgentConfig, group: any EventLoopGroup,
        threadPool: NIOThreadPool, notifier: SystemdNotifier, logger: Logger,
        onListening: @escaping @Sendable (
            _ serving: [(id: String, address: String)], _ receiving: [(id: String, address: String)]
        ) -> Void = { _, _ in }
    ) {
        self.configSource = configSource
        self.loader = loader
        self.initialConfig = initialConfig
        self.group = group
        self.threadPool = threadPool
        self.notifier = notifier
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let tasks = TaskHost()
        async let hosted: Void = tasks.run()
        let http = HTTPClients.live(group: group)
        let services = AgentServices(
            group: group, threadPool: threadPool, http: http.clients, tasks: tasks, agentVersion: AgentVersion.current)
        let topology = Topology(
            services: services, agentMetrics: [ProcessSelfMetrics(), AllocatorMetrics(), metrics.registry], logger: logger)
        do {
            try await serve(topology)
        } catch {
            await topology.stop()
            http.shutdownShared()
            tasks.finish()
            await hosted
            throw error
        }
        http.shutdownShared()
        tasks.finish()
        await hosted
    }

    private func serve(_ topology: Topology) async throws {
        // Trapped before READY=1: systemd may send SIGHUP as soon as it reads it, and SIGHUP's default action
        // would end the agent. One that comes while the topology starts waits in the sequence.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await topology.apply(initialConfig)
        metrics.lastReloadSuccessful.set(1)
        onListening(topology.listening, topology.receiving)
        notifier.ready(status: "serving \(topology.listening.map(\.address).joined(separator: ", "))")

        for await _ in hangups.cancelOnGracefulShutdown() {
            await reload(topology)
        }
        notifier.stopping()
        logger.info("Shutting down: listeners are closing.")
        await topology.stop()
    }

    private func reload(_ topology: Topology) async {
        notifier.reloading()
        defer { notifier.ready() }
        logger.info("Reloading the config.", metadata: ["config": "\(configSource)"])
        switch configSource.load(with: loader) {
        case .failure(let errors):
            fail("The new config is invalid; the running config stays.", errors.description)
        case .success(let config):
            do {
                try await topology.apply(config)
                metrics.reloads.add("success")
                metrics.lastReloadSuccessful.set(1)
                logger.info("The config was reloaded.", metadata: ["config": "\(configSource)"])
            } catch {
                fail("The new config could not be applied; the running config stays.", "\(error)")
            }
        }
    }

    private func fail(_ message: Logger.Message, _ detail: String) {
        metrics.reloads.add("failure")
        metrics.lastReloadSuccessful.set(0)
        logger.error(message, metadata: ["config": "\(configSource)", "error": "\(detail)"])
    }
}

/// The agent's version, set at release time.
public enum AgentVersion {
    public static let current = "0.1.0"
}
