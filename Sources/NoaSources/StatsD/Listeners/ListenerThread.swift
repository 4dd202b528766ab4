#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNoaLinux

enum Errno {
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) + " (errno \(code))" }
}

/// A dedicated OS thread for a blocking receive loop (no Foundation): the listener's socket work must not sit
/// on the cooperative pool or an event loop, where it would block other tasks.
struct ListenerThread: @unchecked Sendable {
    private let handle: pthread_t

    private final class Box {
        let name: String
        let body: () -> Void
        init(_ name: String, _ body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (at most 15 bytes show in `top -H`).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> ListenerThread? {
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            noa_thread_set_name(box.name)
            box.body()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return ListenerThread(handle: handle)
    }

    func join() { pthread_join(handle, nil) }
}
