internal import Foundation
public import Runtime

/// An operator's answer to a ``PendingServerRequest``.
public enum OperatorAnswer: Sendable, Hashable {
    /// Approve this one request.
    case approve
    /// Approve this and similar requests for the rest of the session.
    case approveForSession
    /// Refuse; the turn goes on (the agent is told). For user input: no answers.
    case decline
    /// Refuse and end the turn (it completes `interrupted`).
    case cancel
    /// Answers to a user-input request: question id → chosen labels or free text.
    case answers([String: [String]])
    /// An answer to an MCP elicitation.
    case elicitation(ElicitationAction, content: JSONValue?)

    public enum ElicitationAction: String, Sendable, Hashable {
        case accept, decline, cancel
    }
}

/// What the runner does with each kind of server→client request.
enum ServerRequestRoute: Equatable {
    case toolCall
    case operatorDecision(PendingServerRequest.Kind)
    /// Answered with a JSON-RPC error: account token refresh, attestation, anything unknown.
    case unsupported
}

enum ServerRequests {
    static func route(_ method: String) -> ServerRequestRoute {
        switch method {
        case "item/tool/call": .toolCall
        case "item/commandExecution/requestApproval": .operatorDecision(.commandApproval)
        case "item/fileChange/requestApproval": .operatorDecision(.fileChangeApproval)
        case "item/permissions/requestApproval": .operatorDecision(.permissionsApproval)
        case "execCommandApproval": .operatorDecision(.legacyCommandApproval)
        case "applyPatchApproval": .operatorDecision(.legacyPatchApproval)
        case "item/tool/requestUserInput": .operatorDecision(.userInput)
        case "mcpServer/elicitation/request": .operatorDecision(.elicitation)
        default: .unsupported
        }
    }

    static func isApproval(_ kind: PendingServerRequest.Kind) -> Bool {
        kind != .userInput && kind != .elicitation
    }

    /// The answer under `approval_policy: never`: accept for the session.
    static func sessionAcceptance(_ kind: PendingServerRequest.Kind, params: JSONValue) -> JSONValue? {
        result(for: .approveForSession, kind: kind, params: params)?.result
    }

    /// The wire result for `answer`, in the method's own decision spelling; `nil` when the answer does
    /// not fit the request. `interrupt` asks the runner to end the turn afterwards, for kinds whose
    /// answers have no "cancel" of their own.
    static func result(
        for answer: OperatorAnswer, kind: PendingServerRequest.Kind, params: JSONValue
    ) -> (result: JSONValue, interrupt: Bool)? {
        switch (kind, answer) {
        case (.commandApproval, _), (.fileChangeApproval, _):
            let decisions: [OperatorAnswer: String] = [
                .approve: "accept", .approveForSession: "acceptForSession", .decline: "decline", .cancel: "cancel",
            ]
            return decisions[answer].map { (["decision": .string($0)], false) }
        case (.legacyCommandApproval, _), (.legacyPatchApproval, _):
            let decisions: [OperatorAnswer: String] = [
                .approve: "approved", .approveForSession: "approved_for_session", .decline: "denied", .cancel: "abort",
            ]
            return decisions[answer].map { (["decision": .string($0)], false) }
        case (.permissionsApproval, .approve), (.permissionsApproval, .approveForSession):
            let scope: JSONValue = answer == .approve ? "turn" : "session"
            return (["permissions": params["permissions"] ?? [:], "scope": scope], false)
        case (.permissionsApproval, .decline), (.permissionsApproval, .cancel):
            return (["permissions": [:], "scope": "turn"], answer == .cancel)
        case (.userInput, .answers(let answers)):
            return (["answers": .object(answers.mapValues { ["answers": .array($0.map(JSONValue.string))] })], false)
        case (.userInput, .decline), (.userInput, .cancel):
            return (["answers": [:]], answer == .cancel)
        case (.elicitation, .elicitation(let action, let content)):
            return (["action": .string(action.rawValue), "content": content ?? .null], false)
        case (.elicitation, .approve):
            return (["action": "accept", "content": .null], false)
        case (.elicitation, .decline), (.elicitation, .cancel):
            return (["action": .string(answer == .decline ? "decline" : "cancel"), "content": .null], false)
        default:
            return nil
        }
    }

    /// The request as shown to an operator.
    static func pending(
        id: CodexRequestID, method: String, kind: PendingServerRequest.Kind, params: JSONValue, itemSummary: String?,
        receivedAt: Date
    ) -> PendingServerRequest {
        let questions = (params["questions"]?.arrayValue ?? []).compactMap(UserInputQuestion.init)
        return PendingServerRequest(
            id: id, method: method, kind: kind,
            summary: summary(kind: kind, params: params, itemSummary: itemSummary, questions: questions),
            questions: questions, params: params, turnID: params["turnId"]?.stringValue, receivedAt: receivedAt)
    }

    private static func summary(
        kind: PendingServerRequest.Kind, params: JSONValue, itemSummary: String?, questions: [UserInputQuestion]
    ) -> String {
        let reason = params["reason"]?.stringValue.map { " (\($0))" } ?? ""
        switch kind {
        case .commandApproval:
            return "run `\(params["command"]?.stringValue ?? itemSummary ?? "a command")`\(reason)"
        case .fileChangeApproval:
            return "\(itemSummary ?? "change files")\(reason)"
        case .permissionsApproval:
            let asked = params["permissions"]?.objectValue?.filter { !$0.value.isNull }.keys.sorted() ?? []
            return "grant \(asked.isEmpty ? "permissions" : asked.joined(separator: " and ")) access\(reason)"
        case .legacyCommandApproval:
            let words = params["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return "run `\(words.joined(separator: " "))`\(reason)"
        case .legacyPatchApproval:
            let paths = params["fileChanges"]?.objectValue?.keys.sorted() ?? []
            return "change \(paths.joined(separator: ", "))\(reason)"
        case .userInput:
            return questions.map { "\($0.header): \($0.question)" }.joined(separator: " / ")
        case .elicitation:
            return "\(params["serverName"]?.stringValue ?? "MCP server"): \(params["message"]?.stringValue ?? "input requested")"
        }
    }
}

extension UserInputQuestion {
    init?(_ json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.init(
            id: id, header: json["header"]?.stringValue ?? "", question: json["question"]?.stringValue ?? "",
            options: json["options"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? [],
            allowsOther: json["isOther"]?.boolValue ?? false, isSecret: json["isSecret"]?.boolValue ?? false)
    }
}
