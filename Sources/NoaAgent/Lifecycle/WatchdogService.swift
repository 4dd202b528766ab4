import ServiceLifecycle

/// Pings systemd's watchdog at half its period while the agent runs (`WatchdogSec=` in the unit).
public struct WatchdogService: Service {
    let notifier: SystemdNotifier

    public init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    public func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            // No watchdog requested: stay in the group until shutdown so the group's shape is the same either way.
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            notifier.watchdog()
            try? await Task.sleep(for: interval)
        }
    }
}
