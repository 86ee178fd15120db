import Foundation

@testable import AWSSigV4

/// Shared constants of the AWS test suite and the botocore fixtures.
enum Example {
    static let accessKeyId = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    /// 2015-08-30T12:36:00Z, the AWS test suite's signing time.
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)
    /// 2024-03-15T10:20:30Z, the botocore fixtures' signing time.
    static let botocoreDate = Date(timeIntervalSince1970: 1_710_498_030)
}

/// A request plus its body, as the tests build and tamper with them.
struct WireRequest {
    var request: SigV4Request
    var body: [UInt8]

    var bodyHash: String { SigV4.sha256Hex(body) }

    /// Parses a raw HTTP/1.1 request as the AWS test suite writes it (`.req` / `.sreq` files).
    ///
    /// The path is everything between the method and ` HTTP/1.1` (the suite has `/example space/`);
    /// folded header lines are joined to the previous value with a newline.
    init(raw: String) {
        let headEnd = raw.range(of: "\n\n")
        let head = headEnd.map { String(raw[..<$0.lowerBound]) } ?? raw
        body = headEnd.map { Array(raw[$0.upperBound...].utf8) } ?? []
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let firstSpace = requestLine.firstIndex(of: " ") ?? requestLine.endIndex
        let lastSpace = requestLine.lastIndex(of: " ") ?? requestLine.endIndex
        let method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        request = SigV4Request(
            method: method,
            path: String(path[0]),
            query: path.count > 1 ? String(path[1]) : "",
            headers: headers
        )
    }

    init(request: SigV4Request, body: [UInt8]) {
        self.request = request
        self.body = body
    }

    /// Parses the claim and verifies it with `secret` at `now`.
    func verify(secret: String = Example.secretAccessKey, now: Date) throws(SigV4Error) {
        let claim = try SigV4Verifier.parseClaim(request)
        let hash = bodyHash
        try SigV4Verifier.verify(request, claim: claim, secretAccessKey: secret, bodySHA256Hex: { hash }, now: now)
    }

    /// The error `verify` throws, or nil when the request is accepted.
    func verificationError(secret: String = Example.secretAccessKey, now: Date) -> SigV4Error? {
        do throws(SigV4Error) {
            try verify(secret: secret, now: now)
            return nil
        } catch {
            return error
        }
    }

    /// Replaces every header named `name` (case-insensitive) with `value`, or appends it.
    mutating func setHeader(_ name: String, _ value: String) {
        let existing = request.headers.filter { $0.name.lowercased() == name.lowercased() }
        request.headers.removeAll { $0.name.lowercased() == name.lowercased() }
        request.headers.append((existing.first?.name ?? name, value))
    }
}

/// Decodes a JSON fixture embedded in a Swift string; an undecodable fixture yields no cases (a count test catches it).
func decodeFixture<T: Decodable>(_ json: String, as type: T.Type) -> T? {
    try? JSONDecoder().decode(T.self, from: Data(json.utf8))
}
