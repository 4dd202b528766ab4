import NIOCore
import NIOPosix
import NoaCore
import NoaHTTP
import NoaPipeline

/// What the agent gives every component it builds (ARCHITECTURE.md principle 6: inject, don't reach): event loops,
/// a thread pool for blocking work, HTTP clients, the clock, the task host its long-running jobs run in, and
/// state kept across reloads. Tests build one with fakes.
public struct AgentServices: Sendable {
    public var group: any EventLoopGroup
    public var threadPool: NIOThreadPool
    public var http: HTTPClients
    public var clock: any AgentClock
    /// Where components run their long-lived tasks, as children of the agent's task.
    public var tasks: TaskHost
    /// The agent's binary (the journald source runs it as its reader child).
    public var executable: String
    public var agentVersion: String
    public var retained: RetainedState

    public init(
        group: any EventLoopGroup, threadPool: NIOThreadPool, http: HTTPClients, clock: any AgentClock = SystemClock(),
        tasks: TaskHost, executable: String = "/proc/self/exe", agentVersion: String,
        retained: RetainedState = RetainedState()
    ) {
        self.group = group
        self.threadPool = threadPool
        self.http = http
        self.clock = clock
        self.tasks = tasks
        self.executable = executable
        self.agentVersion = agentVersion
        self.retained = retained
    }
}

/// Where sinks get their HTTP client: the agent's shared one, or one of their own for settings of their own (a
/// TLS block, a timeout), which they give back when they stop. Tests hand every sink the same fake.
public struct HTTPClients: Sendable {
    /// An HTTP client and what to do when the sink is done with it.
    public struct Lease: Sendable {
        public var transport: any HTTPTransport
        public var release: @Sendable () -> Void

        public init(transport: any HTTPTransport, release: @escaping @Sendable () -> Void = {}) {
            self.transport = transport
            self.release = release
        }
    }

    private let lease: @Sendable (NIOHTTPTransport.Configuration?) -> Lease

    /// `lease(nil)` is the shared client; `lease(configuration)` one with those settings.
    public init(_ lease: @escaping @Sendable (NIOHTTPTransport.Configuration?) -> Lease) {
        self.lease = lease
    }

    /// The shared client for sinks with default settings (nil), or a client of their own.
    public func client(_ configuration: NIOHTTPTransport.Configuration? = nil) -> Lease {
        lease(configuration)
    }

    /// The agent's: a shared `NIOHTTPTransport` on `group` (shut down by `shutdownShared`), and a new one for each
    /// sink with settings of its own, shut down when the sink releases it.
    public static func live(group: any EventLoopGroup) -> (clients: HTTPClients, shutdownShared: @Sendable () -> Void) {
        let shared = NIOHTTPTransport(group: group)
        let clients = HTTPClients { configuration in
            guard let configuration else { return Lease(transport: shared) }
            let own = NIOHTTPTransport(group: group, configuration: configuration)
            return Lease(transport: own, release: { own.shutdown() })
        }
        return (clients, { shared.shutdown() })
    }

    /// Every sink sends through `transport` (tests).
    public static func fixed(_ transport: any HTTPTransport) -> HTTPClients {
        HTTPClients { _ in Lease(transport: transport) }
    }
}
