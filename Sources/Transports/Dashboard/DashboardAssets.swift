import Foundation
import NIOCore

/// The dashboard's files, compiled into the binary by the `DashboardAssets` build plugin from the
/// package's `Dashboard/` folder (`embedded` is generated), decoded once on first use.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let name: String
        let bytes: ByteBuffer
        let contentType: String
        /// A strong validator of the bytes: the same binary always answers the same tag.
        let etag: String
    }

    static let shared = DashboardAssets(files: embedded)

    let assets: [String: Asset]

    init(files: [(name: String, base64: String)]) {
        var assets: [String: Asset] = [:]
        for file in files {
            // The generator wrote valid base64; a file that failed to decode would be a build bug.
            let data = Data(base64Encoded: file.base64) ?? Data()
            assets[file.name] = Asset(
                name: file.name, bytes: ByteBuffer(bytes: data), contentType: Self.contentType(of: file.name),
                etag: "\"\(Self.fingerprint(data))\"")
        }
        self.assets = assets
    }

    subscript(name: String) -> Asset? { assets[name] }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json; charset=utf-8"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    /// 64-bit FNV-1a in hex: enough to tell two versions of a file apart.
    static func fingerprint(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
