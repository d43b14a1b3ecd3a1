import Foundation
import PackagePlugin

/// Embeds the dashboard's files (`Dashboard/` at the package root) in the target that uses this
/// plugin, as a generated Swift source, so the `maestro` binary serves them with no resource folder
/// beside it (SwiftPM's `resources:` needs a bundle directory on Linux).
@main
struct DashboardAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let source = context.package.directoryURL.appending(path: "Dashboard")
        let files = try FileManager.default.contentsOfDirectory(at: source, includingPropertiesForKeys: [.isRegularFileKey])
            .filter { !$0.lastPathComponent.hasPrefix(".") && (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "DashboardAssets+Embedded.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) dashboard files in \(target.name)",
                executable: try context.tool(named: "DashboardAssetsGenerator").url,
                arguments: [output.path] + files.map(\.path),
                // Every file is an input, so editing one regenerates the source.
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
