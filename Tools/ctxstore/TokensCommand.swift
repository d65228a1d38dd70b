import ArgumentParser

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokens", abstract: "Exact token counts (placeholder).")
    func run() async throws { throw CleanExit.message("not written yet") }
}
