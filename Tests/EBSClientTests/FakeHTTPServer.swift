import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny blocking HTTP/1.1 server on a loopback port that answers with canned responses in order
/// and records every request, for testing the client's wire behaviour without a real service.
final class FakeHTTPServer: @unchecked Sendable {
    struct Request {
        var method: String
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    struct Response {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var queue: [Response]
    private var received: [Request] = []

    init(responses: [Response]) throws {
        queue = responses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var requests: [Request] { lock.withLock { received } }

    func close() {
        _ = shutdown(listener, Int32(SHUT_RDWR))
        _ = Glibc.close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return false }
            buffer += chunk[0..<n]
            return true
        }
        while true {
            var headerEnd: Int?
            while headerEnd == nil {
                if let range = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                    headerEnd = range.upperBound
                } else if !fill() {
                    _ = Glibc.close(fd)
                    return
                }
            }
            let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
            let parts = head[0].split(separator: " ")
            var headers: [(name: String, value: String)] = []
            for line in head.dropFirst() where line.contains(":") {
                let colon = line.firstIndex(of: ":")!
                headers.append(
                    (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            let length = Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0") ?? 0
            while buffer.count < headerEnd! + length {
                if !fill() {
                    _ = Glibc.close(fd)
                    return
                }
            }
            let body = Array(buffer[headerEnd!..<headerEnd! + length])
            buffer.removeFirst(headerEnd! + length)
            let response: Response = lock.withLock {
                received.append(
                    Request(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body))
                return queue.isEmpty ? Response(status: 500) : queue.removeFirst()
            }
            var text = "HTTP/1.1 \(response.status) X\r\ncontent-length: \(response.body.count)\r\n"
            for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
            let bytes = Array((text + "\r\n").utf8) + response.body
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }
}
