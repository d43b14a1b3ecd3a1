import Runtime
internal import WorkflowParser

/// The policy values a session sends, derived from WORKFLOW.md's `codex` section.
///
/// WORKFLOW.md values pass through unchanged; the loader already refused the variants Codex 0.163.0
/// rejects (`on-failure`, `{reject: …}`). Defaults and their reasons: `Specs/codex-runner.md`.
struct SessionPolicies: Sendable {
    var approvalPolicy: JSONValue
    /// Thread level, kebab-case: `read-only` | `workspace-write` | `danger-full-access`.
    var threadSandbox: String
    /// Turn level, a `SandboxPolicy` object with a camelCase `type`.
    var turnSandboxPolicy: JSONValue
    /// `initialize.capabilities.experimentalApi`: needed for dynamic tools and granular policies.
    var experimentalAPI: Bool

    init(codex: WorkflowConfig.Codex, workspacePath: String, advertisesTools: Bool) {
        approvalPolicy = JSONValue(codex.approvalPolicy)
        threadSandbox = codex.threadSandbox
        turnSandboxPolicy = codex.turnSandboxPolicy.map(JSONValue.init) ?? Self.turnPolicy(matching: codex.threadSandbox, workspacePath)
        experimentalAPI = advertisesTools || approvalPolicy["granular"] != nil
    }

    /// With no `turn_sandbox_policy`, the turn policy says what the thread sandbox says, with writes
    /// limited to the workspace; it never widens the thread's sandbox.
    static func turnPolicy(matching threadSandbox: String, _ workspacePath: String) -> JSONValue {
        switch threadSandbox {
        case "read-only": ["type": "readOnly", "networkAccess": false]
        case "danger-full-access": ["type": "dangerFullAccess"]
        default: ["type": "workspaceWrite", "writableRoots": [.string(workspacePath)], "networkAccess": false]
        }
    }

    /// Under `never` Codex should not ask at all; if it does, maestro accepts for the session.
    /// Under every other policy an approval request waits for an operator.
    var autoAcceptsApprovals: Bool { approvalPolicy == "never" }

    func threadStartParams(cwd: String, tools: [AgentToolSpec]) -> JSONValue {
        var params: [String: JSONValue] = ["cwd": .string(cwd), "approvalPolicy": approvalPolicy, "sandbox": .string(threadSandbox)]
        if !tools.isEmpty { params["dynamicTools"] = .array(tools.map(\.dynamicToolSpec)) }
        return .object(params)
    }

    /// Resume restores the thread's dynamic tools from its rollout; `excludeTurns` skips the
    /// deprecated full-history hydration.
    func threadResumeParams(threadID: String, cwd: String) -> JSONValue {
        [
            "threadId": .string(threadID), "cwd": .string(cwd), "approvalPolicy": approvalPolicy,
            "sandbox": .string(threadSandbox), "excludeTurns": true,
        ]
    }

    func turnStartParams(threadID: String, text: String, cwd: String) -> JSONValue {
        [
            "threadId": .string(threadID), "input": [["type": "text", "text": .string(text)]], "cwd": .string(cwd),
            "approvalPolicy": approvalPolicy, "sandboxPolicy": turnSandboxPolicy,
        ]
    }
}
