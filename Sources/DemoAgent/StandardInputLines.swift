import Foundation

/// Standard input as lines, read on a thread of its own: a blocking read must not hold one of the
/// few threads of the Swift concurrency pool.
public enum StandardInputLines {
    /// Lines split on `\n` only; the stream ends at end of file.
    public static func stream() -> AsyncStream<String> {
        AsyncStream { continuation in
            let reader = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            reader.name = "maestro-demo-agent-stdin"
            reader.start()
        }
    }
}
