import Foundation

/// Reads the AWS error out of a failed response, for the two protocols this client speaks.
enum AWSErrorDecoder {
    /// A rest-json error (EBS): the code from `x-amzn-ErrorType` (`Code:uri` form) or the body's
    /// `__type`/`code`, the message and reason from the body's `Message`/`message` and `Reason`.
    static func restJSON(status: Int, errorTypeHeader: String?, body: [UInt8], endpoint: String, requestId: String?)
        -> AWSClientError
    {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let rawCode =
            errorTypeHeader ?? object?["__type"] as? String ?? object?["code"] as? String ?? object?["Code"] as? String
        let code = rawCode.map(normalizeCode)
        let message =
            object?["Message"] as? String ?? object?["message"] as? String ?? object?["errorMessage"] as? String
        let reason = object?["Reason"] as? String ?? object?["reason"] as? String
        guard let code, !code.isEmpty else {
            return AWSClientError(
                kind: .invalidResponse, message: message ?? snippet(body), httpStatus: status, endpoint: endpoint,
                requestId: requestId)
        }
        return AWSClientError(
            kind: .service, code: code, reason: reason, message: message ?? "", httpStatus: status, endpoint: endpoint,
            requestId: requestId)
    }

    /// A Query-protocol XML error (EC2):
    /// `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors>…</Response>`.
    static func queryXML(status: Int, body: [UInt8], endpoint: String, requestId: String?) -> AWSClientError {
        let text = String(decoding: body, as: UTF8.self)
        guard let code = XMLText.firstElement("Code", in: text), !code.isEmpty else {
            return AWSClientError(
                kind: .invalidResponse, message: snippet(body), httpStatus: status, endpoint: endpoint,
                requestId: requestId)
        }
        return AWSClientError(
            kind: .service, code: code, message: XMLText.firstElement("Message", in: text) ?? "", httpStatus: status,
            endpoint: endpoint, requestId: XMLText.firstElement("RequestID", in: text) ?? requestId)
    }

    /// `ValidationException:http://internal…` and `com.amazon…#ValidationException` → `ValidationException`.
    static func normalizeCode(_ raw: String) -> String {
        var code = Substring(raw)
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        return code.trimmingWhitespace()
    }

    /// The start of a body that is not an AWS error, for the message.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? "empty body" : text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// Just enough XML reading for AWS Query answers: the text of the first element with a name.
enum XMLText {
    /// The unescaped text of the first `<name>…</name>` in `xml`, nil when absent.
    static func firstElement(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return unescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    /// The text of every `<name>…</name>` in `xml`, in order.
    static func allElements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var searchStart = xml.startIndex
        while let open = xml.range(of: "<\(name)>", range: searchStart..<xml.endIndex),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        {
            found.append(String(xml[open.upperBound..<close.lowerBound]))
            searchStart = close.upperBound
        }
        return found
    }

    /// `&lt;` `&gt;` `&quot;` `&apos;` `&amp;` replaced by their characters.
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
