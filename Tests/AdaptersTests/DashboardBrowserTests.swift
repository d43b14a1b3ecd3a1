import Foundation
import NIOHTTP1
import Runtime
import Testing

/// The dashboard in a real browser: Debian's Chromium, driven by Selenium
/// (`Tests/Fixtures/dashboard/browser_test.py`), against `maestro run` with the fake agent. The
/// binary is copied alone into the test's directory first, so the page can only come from the
/// executable itself. Screenshots land in `.build/dashboard-screenshots/`.
@Suite(.serialized) struct DashboardBrowserTests {
    /// The agent talks, reports tokens, works for two seconds and hands the issue to review; an
    /// issue titled "asks" first asks a question, one titled "hangs" never finishes.
    static let prompt = """
        Work on {{ issue.identifier }}.
        {% if issue.title == "asks" %}@@userInput {"questions": [{"id": "q1", "header": "Database", "question": "Which database?", "options": []}]}{% endif %}
        {% if issue.title == "hangs" %}@@silence {}{% endif %}
        @@agentMessage {"text": "Reading the code for {{ issue.identifier }}."}
        @@tokenUsage {"input": 1200, "output": 340}
        @@sleep {"seconds": 2}
        @@agentMessage {"text": "Added the endpoint with a test; over to review."}
        @@toolCall {"tool": "kanban_move", "arguments": {"state": "human_review"}}
        """

    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    /// Runs where the browser and Selenium are installed, and always in CI (so a missing install
    /// step fails rather than skips).
    static let shouldRun =
        RealCodex.isCI
        || (FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
            && CodexFixtures.venvPython != nil)

    @Test(
        .enabled(if: shouldRun, "needs chromium, chromium-driver and .venv with selenium: run scripts/setup.sh"),
        .timeLimit(.minutes(3)))
    func theBoardTheStoryAndTheLifecycleLiveInChromium() async throws {
        let python = try #require(CodexFixtures.venvPython, "the browser test needs .venv (selenium): run scripts/setup.sh")
        let setup = try DaemonProcessTests.Setup(prompt: Self.prompt, scenario: "dashboard")
        defer { setup.cleanup() }
        // The binary alone, with no resource folder beside it.
        let binary = setup.directory.appendingPathComponent("bin/maestro")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: DaemonEndToEndTests.maestro, to: binary)

        let log = setup.directory.appendingPathComponent("daemon.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let daemon = try await Self.start(binary, arguments: ["run", "WORKFLOW.md", "--db", setup.database, "--port", "0"], in: setup, log: log)
        defer { if daemon.isRunning { daemon.terminate() } }
        var base: String?
        try await setup.eventually("the listener's address") {
            base = DaemonLock.liveHolder(databasePath: setup.database)?.http
            return base != nil
        }
        let url = try #require(base)
        let port = try #require(URL(string: url)?.port)
        #expect(try await DaemonHTTPTests.call(.POST, "\(url)/api/v1/projects", #"{"name": "Dashboard", "key": "DB"}"#).status == 201)

        let screenshots = CodexFixtures.packageRoot.appendingPathComponent(".build/dashboard-screenshots")
        let output = try await Helper.run(
            python,
            [
                CodexFixtures.packageRoot.appendingPathComponent("Tests/Fixtures/dashboard/browser_test.py").path, "--base", url,
                "--pid", String(daemon.processIdentifier), "--maestro", binary.path, "--directory", setup.directory.path,
                "--db", setup.database, "--port", String(port), "--project", "DB", "--screenshots", screenshots.path,
            ], environment: setup.environment)
        let summary = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        if let pid = summary?["restarted_pid"] as? Int32, kill(pid, 0) == 0 { kill(pid, SIGTERM) }
        #expect(
            output.succeeded,
            "\(output.stderr.suffix(6000))\n--- daemon ---\n\(setup.log().suffix(3000))\n\(setup.log("daemon-restarted.log").suffix(2000))")
        #expect((summary?["problems"] as? [String]) == [])
        #expect((summary?["lifecycle"] as? [String])?.contains("running") == true)
        #expect((summary?["lifecycle"] as? [String])?.last == "review")
        #expect((summary?["screenshots"] as? [String])?.count == 12)
        let axe = summary?["axe"] as? [String: [String: Any]] ?? [:]
        #expect(axe.count == 6 && axe.values.allSatisfy { $0["serious_or_critical"] as? Int == 0 }, "\(axe)")
        #expect(summary?["restarted_exit"] as? Int == 0)
        // The first daemon was stopped by the script (SIGTERM) and exited gracefully.
        let deadline = ContinuousClock.now + .seconds(20)
        while daemon.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(25)) }
        #expect(!daemon.isRunning && daemon.terminationStatus == 0)
    }

    /// Starts the copied binary. A child that another test forks while the copy is open for
    /// writing holds that descriptor until it execs, and meanwhile exec fails with ETXTBSY.
    static func start(_ binary: URL, arguments: [String], in setup: DaemonProcessTests.Setup, log: URL) async throws -> Process {
        var attempt = 0
        while true {
            let daemon = Process()
            daemon.executableURL = binary
            daemon.arguments = arguments
            daemon.currentDirectoryURL = setup.directory
            daemon.environment = setup.environment
            daemon.standardError = try FileHandle(forWritingTo: log)
            do {
                try daemon.run()
                return daemon
            } catch let error as NSError where attempt < 50 && (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.code == Int(ETXTBSY) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
