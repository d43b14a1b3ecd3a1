public import Foundation
public import NIOCore

/// Splits a byte stream into newline-delimited messages (MCP's stdio framing, also used on the
/// daemon's socket). A trailing `\r` is kept: JSON parsers ignore it as whitespace.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// The longest line kept; longer ones are cut at the limit and reported as they are (the
    /// receiver answers them with a parse error rather than buffering without bound).
    public let maximumLineLength: Int

    public init(maximumLineLength: Int = 64 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    /// Appends `buffer` and returns the complete, non-empty lines it finished, without their `\n`.
    public mutating func append(_ buffer: ByteBuffer) -> [Data] {
        buffer.withUnsafeReadableBytes { append(bytes: $0) }
    }

    /// Appends raw bytes; see ``append(_:)-(ByteBuffer)``.
    public mutating func append(bytes: UnsafeRawBufferPointer) -> [Data] {
        var lines: [Data] = []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let chunk = bytes[start..<newline]
            if pending.isEmpty {
                if !chunk.isEmpty { lines.append(Data(chunk)) }
            } else {
                pending.append(contentsOf: chunk)
                lines.append(Data(pending))
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending.append(contentsOf: bytes[start...])
        if pending.count > maximumLineLength {
            lines.append(Data(pending))
            pending.removeAll()
        }
        return lines
    }

    /// What is left without a final newline (a peer that ended mid-line).
    public var remainder: Data? { pending.isEmpty ? nil : Data(pending) }
}

extension ByteBuffer {
    /// `line` followed by `\n`.
    static func line(_ line: Data) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(line.count + 1)
        buffer.writeBytes(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }
}
