import Foundation
import NIOCore
import NIOPosix

/// Writes whole messages to a file descriptor with blocking `write(2)`: NIO cannot poll a regular
/// file (`maestro mcp > out.jsonl`), and a pipe left non-blocking by its creator is waited on with
/// `poll(2)`.
struct OutputWriter: Sendable {
    let descriptor: Int32

    /// Writes `line` and a newline; throws when the reader is gone.
    func write(line: Data) throws {
        var bytes = line
        bytes.append(UInt8(ascii: "\n"))
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written >= 0 {
                    offset += written
                    continue
                }
                switch errno {
                case EINTR: continue
                case EAGAIN:
                    var wanted = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&wanted, 1, 1000)
                default: throw POSIXFailure("write", errno)
                }
            }
        }
    }
}

/// Reads newline-delimited lines from a file descriptor until its end: through NIO for pipes,
/// sockets and terminals, with blocking `read(2)` for what epoll cannot watch (a regular file,
/// `/dev/null`), where a read never waits.
struct InputReader: Sendable {
    let descriptor: Int32

    /// Calls `line` for each line (and a final unterminated one), then returns at the end.
    func read(_ line: @Sendable (Data) -> Void) async {
        var lines = LineSplitter()
        if isPollable {
            do {
                let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.allowRemoteHalfClosure, value: true)
                    .takingOwnershipOfDescriptor(input: descriptor) { channel in
                        channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                    }
                try await channel.executeThenClose { inbound, _ in
                    for try await buffer in inbound {
                        for text in lines.append(buffer) { line(text) }
                    }
                }
            } catch {
                // A read error ends the input like its end does.
            }
        } else {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while !Task.isCancelled {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                for text in buffer.withUnsafeBytes({ lines.append(bytes: UnsafeRawBufferPointer(rebasing: $0[..<count])) }) { line(text) }
            }
        }
        if let rest = lines.remainder { line(rest) }
    }

    /// Whether epoll can watch the descriptor: a pipe, a socket or a terminal. Pipes and sockets
    /// are the descriptors that cannot seek; a regular file and `/dev/null` can.
    private var isPollable: Bool {
        if isatty(descriptor) == 1 { return true }
        return lseek(descriptor, 0, SEEK_CUR) == -1 && errno == ESPIPE
    }
}
