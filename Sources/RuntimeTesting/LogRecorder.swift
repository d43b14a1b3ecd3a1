public import Logging
import Synchronization

/// Keeps what a logger logs, for tests that assert on the daemon's log: which messages, at which
/// level, with which metadata, and how often.
public final class LogRecorder: Sendable {
    /// One logged message, its metadata rendered as text.
    public struct Entry: Sendable, Hashable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Everything logged so far, oldest first.
    public var all: [Entry] { entries.withLock { $0 } }

    /// The entries with this message.
    public func entries(_ message: String) -> [Entry] { all.filter { $0.message == message } }

    /// A logger that records here (at `level` and above).
    public func logger(label: String = "test", level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var fields = metadata
            for (key, value) in event.metadata ?? [:] { fields[key] = value }
            recorder.append(
                Entry(level: event.level, message: "\(event.message)", metadata: fields.mapValues { "\($0)" }))
        }
    }
}
