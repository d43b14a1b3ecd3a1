/// Splits a byte stream into lines on `\n` (0x0A) only.
///
/// JSON may legally carry raw U+2028/U+2029 inside strings and Codex writes them raw, so a Unicode
/// "line break" splitter would cut messages in two. A line longer than `maxLineBytes` is not
/// buffered: its bytes are counted and dropped, and it comes out as `.oversized`.
struct LineSplitter {
    enum Piece: Equatable {
        case line([UInt8])
        case oversized(byteCount: Int)
    }

    let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var discardedBytes: Int?

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds `bytes`; complete lines (without their `\n`) are appended to `pieces`.
    mutating func append(_ bytes: UnsafeRawBufferPointer, into pieces: inout [Piece]) {
        var start = 0
        while start < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
            guard let offset = rest.firstIndex(of: 0x0A) else {
                take(rest, into: &pieces)
                return
            }
            take(UnsafeRawBufferPointer(rebasing: rest[..<offset]), into: &pieces)
            endLine(into: &pieces)
            start += offset + 1
        }
    }

    /// The unterminated last line at end of stream, if any.
    mutating func finish() -> Piece? {
        var pieces: [Piece] = []
        if discardedBytes != nil || !buffer.isEmpty { endLine(into: &pieces) }
        return pieces.first
    }

    private mutating func take(_ bytes: UnsafeRawBufferPointer, into pieces: inout [Piece]) {
        if let discarded = discardedBytes {
            discardedBytes = discarded + bytes.count
        } else if buffer.count + bytes.count > maxLineBytes {
            discardedBytes = buffer.count + bytes.count
            buffer = []
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private mutating func endLine(into pieces: inout [Piece]) {
        if let discarded = discardedBytes {
            pieces.append(.oversized(byteCount: discarded))
            discardedBytes = nil
        } else {
            pieces.append(.line(buffer))
            buffer.removeAll(keepingCapacity: buffer.count <= 1 << 16)
        }
    }
}
