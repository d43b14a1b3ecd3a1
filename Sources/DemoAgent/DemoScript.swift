/// One step of a demo turn. The plan is data; ``DemoAgentServer`` plays it on the wire.
public enum DemoStep: Sendable, Hashable {
    /// An agent message, streamed in a few deltas.
    case say(String)
    /// Nothing for `beats` beats of the agent's pace (a person should be able to watch).
    case pause(beats: Int)
    /// A model response's token usage (added to the thread's totals) and the account's rate limits.
    case tokens(input: Int, output: Int)
    /// Asks the operator; the answer is kept for the steps after it (`{answer}` in a file's text).
    case ask(DemoQuestion)
    /// Writes a file in the workspace, shown as a file change.
    case write(file: String, text: String)
    /// Calls one of the tools maestro advertised, e.g. `kanban_move`.
    case tool(name: String, arguments: [String: String])
    /// Ends the turn as failed, after writing `marker` so the next attempt knows.
    case fail(message: String, marker: String)
    /// Works for `beats` beats, saying what it does every few beats; only an interrupt ends it early.
    case work(beats: Int)
}

/// A question for the operator, with the answers offered.
public struct DemoQuestion: Sendable, Hashable {
    public var id: String
    public var header: String
    public var question: String
    public var options: [String]
}

/// What the agent knows about the workspace before a turn.
public struct DemoWorkspaceFacts: Sendable, Hashable {
    /// The previous attempt failed on purpose (its marker file exists).
    public var failedBefore: Bool
    /// Tools maestro advertised on `thread/start`.
    public var tools: Set<String>

    public init(failedBefore: Bool, tools: Set<String>) {
        self.failedBefore = failedBefore
        self.tools = tools
    }
}

/// The demo agent's plan for one turn: pure, so each path is tested without a process.
public enum DemoScript {
    /// The marker a deliberate failure leaves in the workspace.
    public static let failureMarker = ".maestro-demo-failed-once"

    public static func plan(_ directives: DemoDirectives, facts: DemoWorkspaceFacts) -> [DemoStep] {
        let id = directives.identifier
        var steps: [DemoStep] = [.say("[demo agent] Reading \(id): \(directives.title)"), .pause(beats: 1), .tokens(input: 900, output: 60)]
        switch directives.phase {
        case .implementation:
            if directives.behaviours.contains(.failsOnce) && !facts.failedBefore {
                steps += [
                    .say("Running the tests before changing anything…"), .pause(beats: 2),
                    .fail(message: "demo: the first attempt fails on purpose (the retry will pass)", marker: failureMarker),
                ]
                return steps
            }
            if directives.behaviours.contains(.longRunning) {
                steps += [.say("This one is a long job; cancel it from the dashboard or the CLI."), .work(beats: 600)]
            }
            var note = "# \(id)\n\n\(directives.title)\n\nImplemented by the maestro demo agent (a script, not a model).\n"
            if directives.behaviours.contains(.asksQuestion) {
                steps.append(
                    .ask(
                        DemoQuestion(
                            id: "greeting", header: "Greeting", question: "Which greeting should \(id) use?",
                            options: ["Hello", "Howdy"])))
                note += "\nThe operator chose: {answer}\n"
            }
            steps += [
                .say("Writing the change."), .write(file: "\(id).md", text: note), .pause(beats: 1),
                .tokens(input: 1_400, output: 220),
            ]
            steps += move(directives, facts: facts)
            steps += [.pause(beats: 1), .say("Summary: wrote \(id).md and handed \(id) to review.")]
        case .review:
            steps += [.say("Reviewing \(id).md."), .pause(beats: 2), .tokens(input: 1_100, output: 90)]
            if facts.tools.contains("kanban_comment") {
                steps.append(.tool(name: "kanban_comment", arguments: ["body": "Reviewed by the demo agent: looks good."]))
            }
            steps += move(directives, facts: facts)
            steps += [.say("Review passed.")]
        case .done:
            steps += [
                .say("Recording the finished work."), .write(file: "DONE-\(id).txt", text: "\(id) finished by the maestro demo agent.\n"),
                .pause(beats: 1), .tokens(input: 500, output: 40), .say("\(id) is done."),
            ]
        }
        return steps
    }

    private static func move(_ directives: DemoDirectives, facts: DemoWorkspaceFacts) -> [DemoStep] {
        guard let target = directives.moveTo, facts.tools.contains("kanban_move") else { return [] }
        return [.tool(name: "kanban_move", arguments: ["state": target])]
    }
}
