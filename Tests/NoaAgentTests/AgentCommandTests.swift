import NoaAgent
import Testing

@Suite struct AgentCommandTests {
    @Test(arguments: [
        ([], AgentCommand.help(nil)),
        (["--help"], .help(nil)),
        (["help", "run"], .help("run")),
        (["run"], .run(config: nil, logLevel: .info)),
        (["run", "--config", "/etc/a.yaml", "--log-level", "debug"], .run(config: "/etc/a.yaml", logLevel: .debug)),
        (["run", "--config=/x.yaml"], .run(config: "/x.yaml", logLevel: .info)),
        (["run", "-h"], .help("run")),
        (["validate", "--config", "a.yaml"], .validate(config: "a.yaml")),
        (["validate", "--help"], .help("validate")),
        (["version"], .version),
        (["version", "--help"], .help("version")),
    ] as [([String], AgentCommand)])
    func parses(arguments: [String], expected: AgentCommand) throws {
        #expect(try AgentCommand.parse(arguments).get() == expected)
    }

    @Test(arguments: [
        (["bogus"], "unknown command 'bogus'"),
        (["run", "--bogus", "1"], "unknown option '--bogus'"),
        (["run", "--config"], "missing value for '--config'"),
        (["run", "--log-level", "loud"], "'loud' is not a log level (trace, debug, info, notice, warning, error, critical)"),
        (["run", "stray"], "unexpected argument 'stray'"),
        (["validate"], "missing --config FILE"),
        (["version", "x"], "unexpected argument 'x'"),
    ])
    func rejects(arguments: [String], message: String) {
        switch AgentCommand.parse(arguments) {
        case .success(let command): Issue.record("parsed as \(command)")
        case .failure(let error): #expect(error.message == message)
        }
    }

    @Test func helpNamesEveryOption() {
        #expect(AgentCommand.helpText(nil).contains("USAGE: noa-agent <subcommand>"))
        #expect(AgentCommand.helpText("run").contains("--log-level LEVEL"))
        #expect(AgentCommand.helpText("validate").contains("USAGE: noa-agent validate --config FILE"))
    }
}
