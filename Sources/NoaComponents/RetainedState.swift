import Synchronization

/// State a component keeps when a reload rebuilds it: a StatsD source's aggregated series, an OTLP source's
/// merged metrics and span metrics. A source is rebuilt when its config or its wiring changes (its listener is
/// bound again), but the series it served need not start over when the settings that shape them did not change:
/// `value(for:_:settings:make:)` returns the previous instance's object when `settings` are equal, and a new one
/// otherwise. The topology forgets the state of components that are gone once a reload succeeded.
public final class RetainedState: Sendable {
    private struct Key: Hashable {
        var component: String
        var name: String
    }

    private struct Entry: @unchecked Sendable {
        // `settings` and `value` are Sendable when stored (see `value(for:_:settings:make:)`); the existential
        // `any Equatable & Sendable` can't be compared without opening it, hence the unchecked box.
        var settings: any Equatable
        var value: any Sendable
    }

    private let entries = Mutex<[Key: Entry]>([:])

    public init() {}

    /// The object `component` kept under `name`, if it was made with equal `settings`; else a new one from `make`,
    /// kept for the next rebuild.
    public func value<T: Sendable, Settings: Equatable & Sendable>(
        for component: String, _ name: String, settings: Settings, make: () -> T
    ) -> T {
        let key = Key(component: component, name: name)
        return entries.withLock { entries in
            if let entry = entries[key], let kept = entry.value as? T, (entry.settings as? Settings) == settings {
                return kept
            }
            let made = make()
            entries[key] = Entry(settings: settings, value: made)
            return made
        }
    }

    /// Forgets the state of every component not in `components`.
    public func keepOnly(_ components: Set<String>) {
        entries.withLock { entries in entries = entries.filter { components.contains($0.key.component) } }
    }
}
