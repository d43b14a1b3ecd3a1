import Foundation

/// Which answers a pending agent request takes. Approvals and elicitations take a fixed set of
/// words; a question with offered options and no free-text choice takes one of its options; any
/// other question takes any text.
enum AnswerRules {
    static let approvalWords = ["approve", "approve-session", "deny", "cancel"]
    static let elicitationWords = ["accept", "decline", "cancel"]

    /// The accepted answers; empty when any non-empty text is accepted.
    static func accepted(kind: String, detail: AgentRequestDetail) -> [String] {
        switch kind {
        case "approval": approvalWords
        case "elicitation": elicitationWords
        default:
            if detail.questions.count == 1, let question = detail.questions.first, !question.options.isEmpty,
                !question.allowsOther
            {
                question.options
            } else {
                []
            }
        }
    }

    /// The answer as the agent will receive it, or `invalid_answer` naming what is accepted.
    static func check(_ text: String, for request: AgentRequestView) throws(APIError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw APIError(.invalidAnswer, "an answer needs some text") }
        let accepted = request.accepts
        guard !accepted.isEmpty else { return trimmed }
        if request.kind == "approval" || request.kind == "elicitation" {
            let word = trimmed.lowercased()
            guard accepted.contains(word) else {
                throw APIError(
                    .invalidAnswer,
                    "'\(trimmed)' does not answer \(request.kind) \(request.id) of \(request.issue); answer one of: \(accepted.joined(separator: ", "))"
                )
            }
            return word
        }
        guard let option = accepted.first(where: { $0.caseInsensitiveCompare(trimmed) == .orderedSame }) else {
            throw APIError(
                .invalidAnswer,
                "'\(trimmed)' is not an offered answer to request \(request.id) of \(request.issue); answer one of: \(accepted.joined(separator: ", "))"
            )
        }
        return option
    }
}
