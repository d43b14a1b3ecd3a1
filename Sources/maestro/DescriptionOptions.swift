import ArgumentParser
import Foundation
import Runtime

/// An issue's description, given inline, from a file, or from standard input: long descriptions
/// do not fit a shell argument.
struct DescriptionOptions: ParsableArguments {
    @Option(help: "A description; `-` reads it from standard input.") var description: String?
    @Option(name: .customLong("description-file"), help: "Read the description from this file.") var descriptionFile: String?

    func validate() throws {
        if description != nil, descriptionFile != nil {
            throw ValidationError("give --description or --description-file, not both")
        }
    }

    /// The description, read from standard input or the file when asked.
    func resolved() throws -> String? {
        if let descriptionFile {
            guard let data = FileManager.default.contents(atPath: descriptionFile) else {
                throw APIError(.invalidValue, "cannot read the description file '\(descriptionFile)'")
            }
            return try Self.text(data, from: "'\(descriptionFile)'")
        }
        guard description == "-" else { return description }
        return try Self.text(FileHandle.standardInput.readDataToEndOfFile(), from: "standard input")
    }

    private static func text(_ data: Data, from source: String) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw APIError(.invalidValue, "the description from \(source) is not UTF-8 text")
        }
        return text
    }
}
