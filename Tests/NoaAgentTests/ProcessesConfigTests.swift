import NoaAgent
import NoaComponents
import NoaSources
import NoaTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `type: processes` through the whole loader: a process-exporter file's problems come out at their own
/// `file:line:column`, alongside the agent config's.
@Suite struct ProcessesConfigTests {
    @Test func problemsInAProcessExporterFileAreReportedInIt() throws {
        let dir = Scratch.directory("procs-config")
        let file = dir + "/all.yaml"
        defer {
            unlink(file)
            rmdir(dir)
        }
        Scratch.write(file, "process_names:\n  - name: \"{{.Comm}}\"\n    cmdline: ['(open']\n  - name: \"{{.Bad}}\"\n    comm: [x]\n")
        let yaml = """
            sources:
              procs:
                type: processes
                config_file: \(file)
                expire_after: soon
            sinks:
              prom:
                type: prometheus
                listen: 127.0.0.1:9464
                inputs: [procs]
            """
        let found = issues(yaml)
        #expect(found.count == 3, "\(found)")
        #expect(found.contains { $0.hasPrefix("\(file):3:15: process_names[0].cmdline: '(open'") })
        #expect(found.contains { $0.hasPrefix("\(file):4:11: process_names[1].name: '{{.Bad}}' is not supported") })
        #expect(found.contains { $0.hasPrefix("agent.yaml:5:19: sources.procs.expire_after") })
    }

    @Test func aValidFileLoads() throws {
        let dir = Scratch.directory("procs-config")
        let file = dir + "/all.yaml"
        defer {
            unlink(file)
            rmdir(dir)
        }
        Scratch.write(file, "process_names:\n  - name: \"{{.Comm}}\"\n    cmdline:\n    - '.+'\n")
        let yaml = """
            sources:
              procs: {type: processes, config_file: \(file), threads: true}
            sinks:
              prom: {type: prometheus, listen: 127.0.0.1:9464, inputs: [procs]}
            """
        let config = try ConfigLoader(environment: [:]).load(text: yaml, file: "agent.yaml").get()
        let procs = try config.source("procs", as: ProcessesConfig.self)
        #expect(procs.rules == [ProcessNameRule(name: "{{.Comm}}", cmdline: [".+"])])
        #expect(procs.options.threads && procs.options.children && !procs.options.gatherSmaps)
        #expect(procs.options.expireAfter == .seconds(300))
    }
}
