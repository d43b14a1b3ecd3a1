internal import Foundation
internal import Subprocess

/// One classified stdout line.
enum ReaderItem: Sendable {
    case message(IncomingMessage)
    case malformed(MalformedLine)
}

/// The two readers of a session: stdout carries the protocol, stderr only diagnostics. Neither ever
/// feeds the other.
enum StreamReaders {
    /// Reads protocol lines until the stream ends, handing each read's lines to `core` in one hop.
    /// `room` returns when what the last read caused has been consumed: until then the pipe is not
    /// read, and a flooding process blocks on its own writes.
    static func readProtocol(
        _ output: SubprocessOutputSequence, core: SessionCore, maxLineBytes: Int, room: @Sendable () async -> Void = {}
    ) async {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var pieces: [LineSplitter.Piece] = []
        do {
            for try await buffer in output {
                pieces.removeAll(keepingCapacity: true)
                buffer.withUnsafeBytes { splitter.append($0, into: &pieces) }
                await core.receive(pieces.compactMap { classify($0) })
                await room()
                // A flooding agent always has the next buffer ready, so no await above suspends:
                // without a yield this loop keeps a thread of the shared pool to itself.
                await Task.yield()
            }
        } catch {
            // The read is cancelled once the process has exited; what was read is already handled.
        }
        if let last = splitter.finish(), let item = classify(last) {
            await core.receive([item])
        }
        await core.outputDidEnd()
    }

    /// Blank lines are skipped silently; anything else that is not a message is reported.
    static func classify(_ piece: LineSplitter.Piece) -> ReaderItem? {
        switch piece {
        case .oversized(let count):
            return .malformed(MalformedLine(reason: "oversized", byteCount: count, excerpt: ""))
        case .line(let bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
            switch WireFormat.parse(bytes) {
            case .success(let message):
                return .message(message)
            case .failure(let reason):
                let excerpt = String(decoding: bytes.prefix(200), as: UTF8.self)
                return .malformed(MalformedLine(reason: reason.name, byteCount: bytes.count, excerpt: excerpt))
            }
        }
    }

    /// Reads stderr lines as diagnostics: ANSI colours removed, blank lines dropped, each shortened.
    static func readDiagnostics(_ errors: SubprocessOutputSequence, core: SessionCore, room: @Sendable () async -> Void = {}) async {
        var splitter = LineSplitter(maxLineBytes: 64 * 1024)
        var pieces: [LineSplitter.Piece] = []
        do {
            for try await buffer in errors {
                pieces.removeAll(keepingCapacity: true)
                buffer.withUnsafeBytes { splitter.append($0, into: &pieces) }
                for piece in pieces { await report(piece, to: core) }
                await room()
                await Task.yield()
            }
        } catch {
            // Cancelled after the process exited.
        }
        if let last = splitter.finish() { await report(last, to: core) }
    }

    private static func report(_ piece: LineSplitter.Piece, to core: SessionCore) async {
        switch piece {
        case .oversized(let count):
            await core.diagnostic("[a stderr line of \(count) bytes was skipped]")
        case .line(let bytes):
            let text = stripANSI(String(decoding: bytes, as: UTF8.self)).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { await core.diagnostic(SessionCore.shorten(text, limit: 500)) }
        }
    }

    /// Removes CSI escape sequences (`ESC [ … final byte`), which Codex uses to colour its logs.
    static func stripANSI(_ text: String) -> String {
        guard text.contains("\u{1B}") else { return text }
        var output = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\u{1B}" else {
                output.append(scalar)
                continue
            }
            guard let next = scalars.next(), next == "[" else { continue }
            while let inner = scalars.next(), !(0x40...0x7E).contains(inner.value) {}
        }
        return String(output)
    }
}

extension MalformedReason {
    var name: String {
        switch self {
        case .notJSON: "not_json"
        case .notAnObject: "not_an_object"
        case .unknownShape: "unknown_shape"
        case .oversized: "oversized"
        }
    }
}
