import Foundation
public import Logging
import Synchronization

/// Writes one `key=value` line per message to standard error:
/// `ts=2026-11-26T12:00:00.000Z level=info msg="run started" issue_id=3 issue_identifier=MAE-3`.
public struct KeyValueLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        for (key, value) in event.metadata ?? [:] { fields[key] = value }
        var line =
            "ts=\(Date().ISO8601Format(.iso8601WithTimeZone(includingFractionalSeconds: true))) level=\(event.level) msg=\(Self.quoted("\(event.message)"))"
        for key in fields.keys.sorted() {
            line += " \(key)=\(Self.quoted("\(fields[key] ?? "")"))"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Bare when the value has no spaces, quotes or `=`; quoted with escapes otherwise.
    static func quoted(_ value: String) -> String {
        if !value.isEmpty, !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}

extension Date.ISO8601FormatStyle {
    static func iso8601WithTimeZone(includingFractionalSeconds: Bool) -> Self {
        Self(includingFractionalSeconds: includingFractionalSeconds)
    }
}
