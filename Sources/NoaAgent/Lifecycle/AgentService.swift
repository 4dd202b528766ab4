import Logging
import NIOCore
import NIOPosix
import NoaCore
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
    private let telemetry: AgentTelemetry
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let onListening: @Sendable ([(id: String, address: String)]) -> Void

    public init(
        configSource: ConfigSource, loader: ConfigLoader, initialConfig: AgentConfig, group: any EventLoopGroup,
        threadPool: NIOThreadPool, telemetry: AgentTelemetry, notifier: SystemdNotifier, logger: Logger,
        onListening: @escaping @Sendable ([(id: String, address: String)]) -> Void = { _ in }
    ) {
        self.configSource = configSource
        self.loader = loader
        self.initialConfig = initialConfig
        self.group = group
        self.threadPool = threadPool
        self.telemetry = telemetry
        self.notifier = notifier
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let host = TaskHost()
        async let hosted: Void = host.run()
        let topology = Topology(
            group: group, threadPool: threadPool, telemetry: telemetry, host: host,
            logFactory: .live(group: group, logger: logger), logger: logger)
        do {
            try await serve(topology)
        } catch {
            await topology.stop()
            host.finish()
            await hosted
            throw error
        }
        host.finish()
        await hosted
    }

    private func serve(_ topology: Topology) async throws {
        for result in ["success", "failure"] {
            telemetry.declare(
                "noa_config_reloads_total", help: "Config reloads (SIGHUP), by result.",
                labels: [Label("result", result)])
        }
        telemetry.set(
            "noa_build_info", help: "The agent's version, as a label.",
            labels: [Label("version", AgentVersion.current)], to: 1)
        try await topology.apply(initialConfig)
        telemetry.set(
            "noa_config_last_reload_successful", help: "Whether the last config load succeeded.", to: 1)
        for (id, address) in topology.listening {
            logger.info("The prometheus sink is listening.", metadata: ["component_id": "\(id)", "address": "\(address)"])
        }
        onListening(topology.listening)
        notifier.ready(status: "serving \(topology.listening.map(\.address).joined(separator: ", "))")

        let hangups = await UnixSignalsSequence(trapping: .sighup)
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
                telemetry.increment(
                    "noa_config_reloads_total", help: "Config reloads (SIGHUP), by result.",
                    labels: [Label("result", "success")])
                telemetry.set(
                    "noa_config_last_reload_successful", help: "Whether the last config load succeeded.", to: 1)
                logger.info("The config was reloaded.", metadata: ["config": "\(configSource)"])
            } catch {
                fail("The new config could not be applied; the running config stays.", "\(error)")
            }
        }
    }

    private func fail(_ message: Logger.Message, _ detail: String) {
        telemetry.increment(
            "noa_config_reloads_total", help: "Config reloads (SIGHUP), by result.",
            labels: [Label("result", "failure")])
        telemetry.set("noa_config_last_reload_successful", help: "Whether the last config load succeeded.", to: 0)
        logger.error(message, metadata: ["config": "\(configSource)", "error": "\(detail)"])
    }
}

/// The agent's version, set at release time.
public enum AgentVersion {
    public static let current = "0.1.0"
}
