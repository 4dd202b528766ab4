#if canImport(Glibc)
import Glibc
#endif
import NoaComponents
import NoaProcfs

/// Where the running config comes from: a file (re-read on SIGHUP) or the built-in default.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case builtIn

    public var description: String {
        switch self {
        case .file(let path): return path
        case .builtIn: return "built-in default"
        }
    }

    public func load(with loader: ConfigLoader) -> Result<AgentConfig, ConfigErrors> {
        switch self {
        case .builtIn:
            return loader.load(text: DefaultConfig.yaml, file: "<built-in>")
        case .file(let path):
            do {
                let text = try FileReader.readString(path, sizeHint: 16384)
                return loader.load(text: text, file: path)
            } catch {
                return .failure(ConfigErrors([ConfigIssue(file: path, line: 0, column: 0, message: "cannot read: \(error)")]))
            }
        }
    }
}
