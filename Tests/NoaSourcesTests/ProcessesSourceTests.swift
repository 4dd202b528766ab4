import Logging
import NoaCodecs
import NoaComponents
import NoaCore
import NoaProcfs
@testable import NoaSources
import NoaTestSupport
import NoaYAML
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `processes` source against the hand-made tree `probes/processes/basic` (see its README): groups and values
/// as process-exporter computes them, counters across pid reuse and exits, group expiry on a manual clock.
@Suite struct ProcessesSourceTests {
    static let probe = GoldenProbeTests.repositoryRoot + "/probes/processes/basic"
    /// The test's first scrape happens at btime + 100 s: pid 200 (started at +200 s) counts from zero, the others
    /// from their values at that scrape.
    static let firstScrape = 1_700_000_100.0
    static let rules = [
        ProcessNameRule(name: "weird:{{.Matches.mode}}", cmdline: ["weird --mode (?P<mode>[a-z]+)"]),
        ProcessNameRule(name: "{{.Comm}}", cmdline: [".+"]),
    ]

    /// A writable copy of the probe (git keeps no empty directory: every process gets its `fd/`).
    static func copy() -> FixtureTree {
        let tree = FixtureTree()
        func walk(_ relative: String) {
            let source = probe + "/" + relative
            for name in Scratch.list(source) {
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                lstat(probe + "/" + path, &info)
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    tree.makeDirectory(path)
                    walk(path)
                } else {
                    tree.write(path, String(decoding: Scratch.read(probe + "/" + path) ?? [], as: UTF8.self))
                }
            }
        }
        walk("")
        for pid in Scratch.list(tree.root + "/proc") where Int(pid) != nil { tree.makeDirectory("proc/\(pid)/fd") }
        return tree
    }

    static func source(
        _ tree: FixtureTree, rules: [ProcessNameRule] = rules, options: ProcessTrackerOptions = ProcessTrackerOptions(),
        clock: any AgentClock = ManualClock()
    ) throws -> ProcessesSource {
        var logger = Logger(label: "processes")
        logger.logLevel = .critical
        let tracker = try ProcessTracker(
            procPath: tree.root + "/proc", namer: try ProcessNamer(rules), options: options, logger: logger,
            clock: clock, wallSeconds: { firstScrape })
        return ProcessesSource(id: "procs", tracker: tracker)
    }

    static func value(_ batch: MetricBatch, _ name: String, _ labels: [String: String]) -> Double? {
        batch.family(named: name)?.samples.first { sample in
            Dictionary(uniqueKeysWithValues: sample.labels.map { ($0.name, $0.value) }) == labels
        }?.value
    }

    static func groups(_ batch: MetricBatch) -> [String] {
        (batch.family(named: "namedprocess_namegroup_num_procs")?.samples ?? []).map { $0.labels[0].value }
    }

    /// Rewrites field `number` (proc_pid_stat(5) numbering) of a fixture's stat file.
    static func setStatField(_ tree: FixtureTree, _ relative: String, _ number: Int, _ value: String) {
        let text = String(decoding: Scratch.read(tree.root + "/" + relative) ?? [], as: UTF8.self)
        let close = text.lastIndex(of: ")")!
        var fields = text[text.index(after: close)...].split(separator: " ").map(String.init)
        fields[number - 3] = value
        tree.write(relative, String(text[...close]) + " " + fields.joined(separator: " "))
    }

    @Test func firstScrapeEqualsTheGoldenExposition() throws {
        let tree = Self.copy()
        let batch = try Self.source(tree).gather()
        let actual = String(decoding: ExpositionEncoder(format: .text).encode(batch.families), as: UTF8.self)
        let expectedPath = Self.probe + "/expected.prom"
        if getenv("NOA_UPDATE_GOLDEN") != nil {
            Scratch.write(expectedPath, actual)
            return
        }
        let expected = String(decoding: try #require(Scratch.read(expectedPath)), as: UTF8.self)
        #expect(actual == expected)
    }

    @Test func groupsAndValuesAreTheFiles() throws {
        let tree = Self.copy()
        let batch = try Self.source(tree).gather()
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        // Kernel threads have no arguments and no tracked parent: no group.
        #expect(Self.groups(batch) == ["python3", "systemd", "weird:fast"])
        func v(_ name: String, _ group: String, _ extra: [String: String] = [:]) -> Double? {
            Self.value(batch, "namedprocess_namegroup_" + name, ["groupname": group].merging(extra) { a, _ in a })
        }
        // The comm with spaces and ')' is read whole; the zombie child without arguments joins its parent's group.
        #expect(v("num_procs", "weird:fast") == 2)
        #expect(v("states", "weird:fast", ["state": "Sleeping"]) == 1)
        #expect(v("states", "weird:fast", ["state": "Zombie"]) == 1)
        #expect(v("memory_bytes", "weird:fast", ["memtype": "resident"]) == 250 * page)
        #expect(v("memory_bytes", "weird:fast", ["memtype": "virtual"]) == 5_000_000)
        #expect(v("memory_bytes", "weird:fast", ["memtype": "swapped"]) == 12_288)
        #expect(v("open_filedesc", "weird:fast") == 3)
        #expect(v("oldest_start_time_seconds", "weird:fast") == 1_700_000_005)
        // Started before the first scrape: counters count from it.
        #expect(v("cpu_seconds_total", "weird:fast", ["mode": "user"]) == 0)
        #expect(v("open_filedesc", "systemd") == 40)
        #expect(v("worst_fd_ratio", "systemd") == 40.0 / 524_288)
        // python3: pid 200 (3 threads, started after the first scrape: counted whole) and pid 210.
        #expect(v("num_procs", "python3") == 2)
        #expect(v("num_threads", "python3") == 4)
        // Each thread's state is counted besides the process's, as process-exporter 0.7 does.
        #expect(v("states", "python3", ["state": "Sleeping"]) == 3)
        #expect(v("states", "python3", ["state": "Running"]) == 2)
        #expect(v("cpu_seconds_total", "python3", ["mode": "user"]) == 2.5)
        #expect(v("cpu_seconds_total", "python3", ["mode": "system"]) == 0.5)
        #expect(v("minor_page_faults_total", "python3") == 900)
        #expect(v("write_bytes_total", "python3") == 4096)
        // A process's context switches are its threads' sum (its own status counts only the first thread).
        #expect(v("context_switches_total", "python3", ["ctxswitchtype": "voluntary"]) == 75)
        #expect(v("context_switches_total", "python3", ["ctxswitchtype": "nonvoluntary"]) == 8)
        #expect(v("open_filedesc", "python3") == 7)
        #expect(v("worst_fd_ratio", "python3") == 0.75)
        // pid 210's io is missing: one partial error.
        #expect(batch.value("namedprocess_scrape_partial_errors") == 1)
        #expect(batch.value("namedprocess_scrape_procread_errors") == 0)
    }

    @Test func aReusedPidIsANewProcessAndCountersNeverGoBack() throws {
        let tree = Self.copy()
        let source = try Self.source(tree)
        _ = source.gather()
        Self.setStatField(tree, "proc/100/stat", 14, "190")
        let second = source.gather()
        #expect(Self.value(second, "namedprocess_namegroup_cpu_seconds_total", ["groupname": "weird:fast", "mode": "user"]) == 1.0)
        // pid 100 exits and the pid comes back as a new process (another start time) with less CPU used: it
        // started after the first scrape, so all of its 5 ticks count, on top of what the old one used.
        Self.setStatField(tree, "proc/100/stat", 22, "30000")
        Self.setStatField(tree, "proc/100/stat", 14, "5")
        let third = source.gather()
        #expect(Self.value(third, "namedprocess_namegroup_cpu_seconds_total", ["groupname": "weird:fast", "mode": "user"]) == 1.05)
        #expect(Self.value(third, "namedprocess_namegroup_oldest_start_time_seconds", ["groupname": "weird:fast"]) == 1_700_000_006)
    }

    @Test func anExitedProcessKeepsItsCountsInItsGroup() throws {
        let tree = Self.copy()
        let source = try Self.source(tree)
        _ = source.gather()
        Self.setStatField(tree, "proc/200/stat", 14, "350")
        let before = source.gather()
        #expect(Self.value(before, "namedprocess_namegroup_cpu_seconds_total", ["groupname": "python3", "mode": "user"]) == 3.5)
        for file in ["stat", "status", "io", "limits", "cmdline", "comm"] { tree.remove("proc/200/" + file) }
        let after = source.gather()
        #expect(Self.value(after, "namedprocess_namegroup_cpu_seconds_total", ["groupname": "python3", "mode": "user"]) == 3.5)
        #expect(Self.value(after, "namedprocess_namegroup_num_procs", ["groupname": "python3"]) == 1)
    }

    @Test func aGroupWithNoProcessLeftExpires() throws {
        let tree = Self.copy()
        let clock = ManualClock()
        var options = ProcessTrackerOptions()
        options.expireAfter = .seconds(60)
        let source = try Self.source(tree, options: options, clock: clock)
        _ = source.gather()
        for pid in ["100", "101"] { tree.remove("proc/\(pid)/stat") }
        let empty = source.gather()
        #expect(Self.groups(empty).contains("weird:fast"))
        #expect(Self.value(empty, "namedprocess_namegroup_num_procs", ["groupname": "weird:fast"]) == 0)
        // process-exporter prints Go's zero time for a group with no process.
        #expect(Self.value(empty, "namedprocess_namegroup_oldest_start_time_seconds", ["groupname": "weird:fast"]) == -62_135_596_800)
        clock.advance(by: .seconds(59))
        #expect(Self.groups(source.gather()).contains("weird:fast"))
        clock.advance(by: .seconds(1))
        #expect(!Self.groups(source.gather()).contains("weird:fast"))
        #expect(Self.groups(source.gather()) == ["python3", "systemd"])
    }

    @Test func anIgnoredProcessIsPassedOverUntilItsPidIsReused() throws {
        let tree = Self.copy()
        let source = try Self.source(tree)
        _ = source.gather()
        // pid 30 (a kernel worker: no arguments) is ignored; its stat is not read again while its directory stays.
        tree.write("proc/30/cmdline", "late\u{0}")
        #expect(!Self.groups(source.gather()).contains("kworker/0:1-events"))
        // The pid is reused: a new directory (made while the old one exists, so it has another inode) with another
        // start time. The new process is named. ("30-old" and "30-new" are not pids: they are not listed.)
        tree.write("proc/30-new/stat", "30 (kworker/0:1-events) S 1 30 30 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 900 0 0 18446744073709551615 1 1 0\n")
        for file in ["status", "limits"] {
            tree.write("proc/30-new/" + file, String(decoding: Scratch.read(Self.probe + "/proc/30/" + file) ?? [], as: UTF8.self))
        }
        tree.write("proc/30-new/cmdline", "late\u{0}")
        tree.makeDirectory("proc/30-new/fd")
        rename(tree.root + "/proc/30", tree.root + "/proc/30-old")
        rename(tree.root + "/proc/30-new", tree.root + "/proc/30")
        let batch = source.gather()
        #expect(Self.value(batch, "namedprocess_namegroup_num_procs", ["groupname": "kworker/0:1-events"]) == 1)
    }

    @Test func withoutChildrenAProcessWithNoRuleIsNotCounted() throws {
        let tree = Self.copy()
        var options = ProcessTrackerOptions()
        options.children = false
        let batch = try Self.source(tree, options: options).gather()
        #expect(Self.value(batch, "namedprocess_namegroup_num_procs", ["groupname": "weird:fast"]) == 1)
    }

    @Test func perThreadFamilies() throws {
        let tree = Self.copy()
        var options = ProcessTrackerOptions()
        options.threads = true
        let source = try Self.source(tree, options: options)
        _ = source.gather()
        Self.setStatField(tree, "proc/200/task/201/stat", 14, "130")
        let batch = source.gather()
        let count = Self.value(batch, "namedprocess_namegroup_thread_count", ["groupname": "python3", "threadname": "worker"])
        #expect(count == 2)
        // A thread counts what grew since the previous scrape: 100 ticks.
        #expect(Self.value(batch, "namedprocess_namegroup_thread_cpu_seconds_total",
                           ["groupname": "python3", "threadname": "worker", "mode": "user"]) == 1.0)
    }

    @Test func firstMatchingRuleNamesAndEveryMatcherOfARuleMustMatch() throws {
        func name(_ rules: [ProcessNameRule], comm: String = "sleep", _ cmdline: [String]) throws -> String? {
            try ProcessNamer(rules).name(ProcessAttributes(comm: comm, cmdline: cmdline, pid: 7, startTime: 0))
        }
        let both = ProcessNameRule(name: "both", comm: ["sleep"], cmdline: ["^/bin/sleep 100"])
        #expect(try name([both], ["/bin/sleep", "100"]) == "both")
        #expect(try name([both], ["/bin/sleep", "200"]) == nil)
        #expect(try name([both], comm: "other", ["/bin/sleep", "100"]) == nil)
        // exe: a bare name matches the first argument's base name; a path must equal the first argument.
        #expect(try name([ProcessNameRule(exe: ["sleep"])], ["/usr/bin/sleep", "1"]) == "sleep")
        #expect(try name([ProcessNameRule(exe: ["/bin/sleep"])], ["/usr/bin/sleep", "1"]) == nil)
        #expect(try name([ProcessNameRule(exe: ["/usr/bin/sleep"])], ["/usr/bin/sleep", "1"]) == "sleep")
        // The first rule that matches wins.
        let rules = [ProcessNameRule(name: "first", cmdline: ["sleep"]), ProcessNameRule(name: "second", cmdline: [".+"])]
        #expect(try name(rules, ["sleep", "1"]) == "first")
        #expect(try name(rules, ["cat"]) == "second")
        // Every regex of a rule must match; captures of all of them are available.
        let two = ProcessNameRule(name: "{{.Matches.a}}-{{.Matches.b}}", cmdline: ["(?P<a>sl[a-z]+)", "(?P<b>[0-9]+)"])
        #expect(try name([two], ["sleep", "42"]) == "sleep-42")
        #expect(try name([two], ["sleep", "x"]) == nil)
    }

    @Test func templatesRenderEveryField() throws {
        let template = try ProcessNameTemplate(
            parsing: "{{.Comm}}|{{ .ExeBase }}|{{.ExeFull}}|{{.Username}}|{{.PID}}|{{.StartTime}}|{{.Cgroups}}|{{- .Matches.x -}} |end")
        var p = ProcessAttributes(comm: "sshd", cmdline: ["/usr/sbin/sshd", "-D"], pid: 42, startTime: 1_700_000_005.5)
        p.username = "root"
        p.cgroups = ["/system.slice/ssh.service"]
        #expect(template.render(p, matches: ["x": "X"])
            == "sshd|sshd|/usr/sbin/sshd|root|42|2023-11-14 22:13:25.5 +0000 UTC|[/system.slice/ssh.service]|X|end")
        // Without arguments (a kernel thread, a zombie), ExeBase and ExeFull are the comm.
        let bare = ProcessAttributes(comm: "kworker/0:1", cmdline: [], pid: 3, startTime: 0)
        #expect(try ProcessNameTemplate(parsing: "{{.ExeBase}} {{.ExeFull}}").render(bare, matches: [:]) == "kworker/0:1 kworker/0:1")
        #expect(ProcessNameTemplate.goTime(1_700_000_005) == "2023-11-14 22:13:25 +0000 UTC")
        #expect(ProcessNameTemplate.goTime(1_700_000_005.12) == "2023-11-14 22:13:25.12 +0000 UTC")
        #expect(throws: ProcessNameTemplate.ParseError.self) { try ProcessNameTemplate(parsing: "{{.Exe}}") }
        #expect(throws: ProcessNameTemplate.ParseError.self) { try ProcessNameTemplate(parsing: "{{.Comm | printf}}") }
        #expect(throws: ProcessNameTemplate.ParseError.self) { try ProcessNameTemplate(parsing: "{{.Comm") }
    }

    @Test func regexNamedCapturesAreNumberedAsInRE2() throws {
        let regex = try PosixRegex("(?:a|b)(?P<first>[0-9]+)-(?<second>\\w+)( x)?", captures: true)
        #expect(regex.groupNames == [nil, nil, "first", "second", nil])
        let groups = try #require(regex.firstMatch("zz b12-abc_9 y"))
        #expect(groups[2] == "12")
        #expect(groups[3] == "abc_9")
        #expect(groups[4] == nil)
        #expect(regex.firstMatch("nothing") == nil)
    }

    @Test func readsProcessExporterConfigFiles() throws {
        // Debian's /usr/share/doc/prometheus-process-exporter/examples/all.yaml, as shipped.
        let all = "process_names:\n  - name: \"{{.Comm}}\"\n    cmdline: \n    - '.+'"
        let rules = try ProcessesConfig.parseFile(all, file: "all.yaml").get()
        #expect(rules == [ProcessNameRule(name: "{{.Comm}}", cmdline: [".+"])])
        let defaulted = try ProcessesConfig.parseFile("process_names:\n  - comm: [bash, sshd]\n  - name: ''\n    exe: [x]\n", file: "f.yaml").get()
        #expect(defaulted == [ProcessNameRule(name: "{{.ExeBase}}", comm: ["bash", "sshd"]), ProcessNameRule(name: "{{.ExeBase}}", exe: ["x"])])
        // A bad regex, an unknown template field and an unknown capture are reported at their positions.
        let bad = """
            process_names:
              - name: "{{.Comm}}"
                cmdline: ['(unclosed']
              - name: "{{.Nope}}"
                comm: [x]
              - name: "{{.Matches.missing}}"
                cmdline: ['(?P<other>.+)']
              - name: x
            """
        guard case .failure(let errors) = ProcessesConfig.parseFile(bad, file: "bad.yaml") else {
            Issue.record("a bad file was accepted")
            return
        }
        let issues = errors.issues
        let located = issues.map { "\($0.line):\($0.column)" }
        #expect(located == ["3:15", "4:11", "6:11", "8:5"], "\(issues)")
        #expect(issues[1].message.contains("{{.Nope}}"))
        #expect(issues[2].message.contains("missing"))
    }

    @Test func inlineRulesAreReadWithPositions() throws {
        let yaml = """
            procs:
              type: processes
              process_names:
                - name: "{{.Comm}}"
                  cmdline: ['[']
              expire_after: 0s
            """
        let reader = ConfigReader(file: "agent.yaml")
        let root = try #require(try YAML.compose(yaml))
        let node = try #require(root["procs"])
        let map = try #require(reader.map(node, path: "sources.procs", allowed: ["type"] + ProcessesConfig.keys))
        let config = try #require(ProcessesConfig.read(map))
        #expect(config.options.expireAfter == nil)
        #expect(reader.issues.map { "\($0.line):\($0.column)" } == ["5:17"])
    }

    @Test func statIsSplitAtTheLastParenthesis() throws {
        let line = "100 (my (weird) proc)) S 1 100 100 0 -1 4194560 700 0 7 0 90 10 0 0 20 0 1 0 500 5000000 250 18446744073709551615"
        let bytes = Array(line.utf8)
        let f = try #require(bytes.withUnsafeBytes { ProcessStat.scan($0) })
        #expect(String(decoding: bytes[f.commStart..<f.commEnd], as: UTF8.self) == "my (weird) proc)")
        #expect(f.state == UInt8(ascii: "S") && f.parentPid == 1 && f.minorFaults == 700 && f.majorFaults == 7)
        #expect(f.utimeTicks == 90 && f.stimeTicks == 10 && f.numThreads == 1 && f.startTimeTicks == 500)
        #expect(f.virtualMemoryBytes == 5_000_000 && f.rssPages == 250)
        let cut = Array("100 (x) S 1 2 3".utf8)
        #expect(cut.withUnsafeBytes { ProcessStat.scan($0) } == nil)
    }
}

