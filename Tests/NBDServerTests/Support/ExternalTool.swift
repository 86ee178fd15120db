import Foundation

/// An external NBD client (libnbd-bin, qemu-utils, nbdkit), run without blocking a thread.
enum ExternalTool {
    /// The absolute path of `name` on `PATH`, or nil if it is not installed.
    static func path(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The distribution's Python, which has the `nbd` module of python3-libnbd.
    static let systemPython: String? =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : nil

    /// Whether every tool is installed.
    static func has(_ names: String...) -> Bool { names.allSatisfy { path($0) != nil } }

    /// What a run produced.
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String

        /// True for exit status 0.
        var succeeded: Bool { status == 0 }
    }

    /// Runs `name` with `arguments`; output goes to files (a full pipe cannot stall the tool).
    static func run(_ name: String, _ arguments: [String]) async throws -> Output {
        guard var executable = path(name) else { throw TestFailure("\(name) is not installed") }
        var arguments = arguments
        if name == "nbdsh", let python = systemPython {
            // nbdsh is `python3 -m nbd` with the python3 on PATH, which may lack the module (pyenv).
            (executable, arguments) = (python, ["-m", "nbd"] + arguments)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nbd-tool-\(UUID().uuidString)")
        let (outPath, errPath) = (scratch.path + ".out", scratch.path + ".err")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let status = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Output(
            status: status, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs a tool and fails with its output unless it exits 0.
    @discardableResult
    static func check(_ name: String, _ arguments: [String]) async throws -> Output {
        let output = try await run(name, arguments)
        guard output.succeeded else {
            throw TestFailure(
                "\(name) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stdout) \(output.stderr)"
            )
        }
        return output
    }
}

/// Writes a test image: `size` bytes, zeros except deterministic data in the given ranges.
func writeImage(_ path: String, size: Int, data ranges: [Range<Int>], seed: UInt8 = 1) throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.truncate(atOffset: UInt64(size))
    for range in ranges {
        try handle.seek(toOffset: UInt64(range.lowerBound))
        let bytes = (range.lowerBound..<range.upperBound).map {
            UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ $0 >> 12)
        }
        try handle.write(contentsOf: bytes)
    }
}
