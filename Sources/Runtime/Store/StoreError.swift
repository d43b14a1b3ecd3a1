/// Why the store refused a request. Each case has a stable code for JSON envelopes.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notADatabase(path: String)
    case foreignDatabase(path: String)
    case newerSchema(path: String, unknownMigrations: [String])
    case readOnly(path: String)
    case cannotOpen(path: String, reason: String)
    /// A read found no database: nothing is created by reading.
    case noDatabase(path: String)
    case projectNotFound(String)
    case issueNotFound(String)
    case duplicateProject(String)
    case invalidState(state: String, allowed: [String])
    case blockerCycle([String])
    case invalidValue(String)

    public var code: String {
        switch self {
        case .notADatabase: "not_a_database"
        case .foreignDatabase: "foreign_database"
        case .newerSchema: "newer_schema"
        case .readOnly: "read_only_database"
        case .cannotOpen: "cannot_open_database"
        case .noDatabase: "no_database"
        case .projectNotFound: "project_not_found"
        case .issueNotFound: "issue_not_found"
        case .duplicateProject: "duplicate_project"
        case .invalidState: "invalid_state"
        case .blockerCycle: "blocker_cycle"
        case .invalidValue: "invalid_value"
        }
    }

    public var description: String {
        switch self {
        case .notADatabase(let path): "'\(path)' is not a SQLite database; maestro left it untouched"
        case .foreignDatabase(let path):
            "'\(path)' is a SQLite database that maestro did not create; maestro left it untouched"
        case .newerSchema(let path, let unknown):
            "'\(path)' was written by a newer maestro (unknown migrations: \(unknown.joined(separator: ", "))); upgrade maestro"
        case .readOnly(let path): "'\(path)' is read-only; maestro needs to write its database"
        case .cannotOpen(let path, let reason): "cannot open '\(path)': \(reason)"
        case .noDatabase(let path):
            "no maestro database at '\(path)'; create one with `maestro project create NAME`, or name one with --db or MAESTRO_DB"
        case .projectNotFound(let name): "no project '\(name)'"
        case .issueNotFound(let identifier): "no issue '\(identifier)'"
        case .duplicateProject(let name): "a project named or keyed '\(name)' already exists"
        case .invalidState(let state, let allowed):
            "'\(state)' is not a tracker state of this workflow (states: \(allowed.joined(separator: ", ")))"
        case .blockerCycle(let cycle): "blockers would form a cycle: \(cycle.joined(separator: " -> "))"
        case .invalidValue(let message): message
        }
    }
}
