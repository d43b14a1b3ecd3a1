import Foundation
import Testing

/// Runs a program with `input` on standard input and waits for it.
private func pipe(_ program: String, _ arguments: [String], input: Data) throws -> (status: Int32, output: Data, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let (stdin, stdout, stderr) = (Pipe(), Pipe(), Pipe())
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Drain both outputs while writing, so a large drawing never fills a pipe and stalls `dot`.
    nonisolated(unsafe) var errors = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errors = stderr.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    nonisolated(unsafe) var output = Data()
    group.enter()
    DispatchQueue.global().async {
        output = stdout.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, output, String(decoding: errors, as: UTF8.self))
}

/// Graphviz's `dot`; CI installs it (`graphviz` in scripts/setup.sh), so its absence fails the test.
enum Graphviz {
    static func path() throws -> String {
        let found = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(found, "graphviz `dot` is not installed (apt-get install graphviz)")
    }

    static func run(_ source: String, format: String) throws -> (status: Int32, output: Data, stderr: String) {
        try pipe(path(), ["-T\(format)"], input: Data(source.utf8))
    }
}

/// Debian's headless Chromium; CI installs it (`chromium` in scripts/setup.sh).
enum Chromium {
    static func path() throws -> String {
        let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        return try #require(found, "chromium is not installed (apt-get install chromium)")
    }

    /// Screenshots `file` into `png` at `width` × `height` CSS pixels.
    static func screenshot(_ file: URL, to png: URL, width: Int, height: Int) async throws -> CLI.Result {
        let profile = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: profile) }
        try? FileManager.default.removeItem(at: png)
        return try await CLI.execute(
            URL(fileURLWithPath: path()),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)",
                "--screenshot=\(png.path)", "--window-size=\(width),\(height)", file.absoluteString,
            ], in: profile, environment: ProcessInfo.processInfo.environment)
    }
}

/// The width and height in a PNG's IHDR chunk.
func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data)
    guard bytes.count > 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
    func integer(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
    return (integer(16), integer(20))
}

/// Where drawings made by the tests go, for people to look at: `.build/graph-drawings`.
func drawingsDirectory() throws -> URL {
    let url = CLI.packageRoot.appendingPathComponent(".build/graph-drawings")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
