import Foundation

extension SigV4Claim {
    /// The query parameters of the presigned form, in the order botocore writes them.
    static let presignedParameterNames = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ]

    /// Parses the claim of `request`: the `Authorization` header, or else the presigned query parameters.
    init(parsing request: SigV4Request) throws(SigV4Error) {
        let authorizations = request.headerValues("authorization")
        let queryItems = request.decodedQueryItems
        let hasQueryAuth = queryItems.contains { $0.name == "X-Amz-Signature" || $0.name == "X-Amz-Algorithm" }
        switch (authorizations.count, hasQueryAuth) {
        case (0, false):
            throw .missingAuthentication
        case (0, true):
            try self.init(presigned: request, queryItems: queryItems)
        case (1, false):
            try self.init(authorization: authorizations[0], request: request, queryItems: queryItems)
        case (_, true):
            throw .bothMechanisms
        default:
            throw .incomplete("Only one Authorization header may be specified.")
        }
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    private init(
        authorization: String,
        request: SigV4Request,
        queryItems: [(name: String, value: String)]
    )
        throws(SigV4Error)
    {
        let trimmed = SigV4CanonicalRequest.trimAll(authorization)
        let algorithm = trimmed.prefix { $0 != " " }
        guard algorithm == SigV4.algorithm else { throw .unsupportedAlgorithm(String(algorithm)) }
        var fields: [String: String] = [:]
        for component in trimmed.dropFirst(algorithm.count).split(separator: ",") {
            let component = SigV4CanonicalRequest.trimAll(String(component))
            guard let equals = component.firstIndex(of: "=") else {
                throw .incomplete(
                    "'\(component)' not a valid key=value pair (missing equal-sign) in Authorization header."
                )
            }
            let key = String(component[..<equals])
            if fields[key] == nil { fields[key] = String(component[component.index(after: equals)...]) }
        }
        let missing = ["Credential", "Signature", "SignedHeaders"].filter { (fields[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw .incomplete(missing.map { "Authorization header requires '\($0)' parameter." }.joined(separator: " "))
        }
        let credential = try SigV4Credential(parsing: fields["Credential"] ?? "")
        let date: Date
        if let amzDate = request.headerValue("x-amz-date") {
            guard let parsed = SigV4Timestamp.parseBasic(amzDate) else { throw .badDate(amzDate) }
            date = parsed
        } else if let httpDate = request.headerValue("date") {
            guard let parsed = SigV4Timestamp.parseHTTPDate(httpDate) else { throw .badDate(httpDate) }
            date = parsed
        } else {
            throw .incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        self.init(
            accessKeyId: credential.accessKeyId,
            date: date,
            dateStamp: credential.scope.dateStamp,
            region: credential.scope.region,
            service: credential.scope.service,
            signedHeaders: try Self.signedHeaderList(fields["SignedHeaders"] ?? ""),
            signature: fields["Signature"] ?? "",
            isPresigned: false,
            expires: nil,
            payloadHashHeader: request.headerValue("x-amz-content-sha256"),
            securityToken: request.headerValue("x-amz-security-token")
                ?? queryItems.first { $0.name == "X-Amz-Security-Token" }?.value
        )
    }

    /// Parses the `X-Amz-*` query parameters of a presigned URL.
    private init(presigned request: SigV4Request, queryItems: [(name: String, value: String)]) throws(SigV4Error) {
        var values: [String: String] = [:]
        for item in queryItems where Self.presignedParameterNames.contains(item.name) {
            guard values[item.name] == nil else { throw .incomplete("Duplicate query parameter '\(item.name)'.") }
            values[item.name] = item.value
        }
        guard Self.presignedParameterNames.allSatisfy({ !(values[$0] ?? "").isEmpty }) else {
            throw .presignedParametersMissing
        }
        let algorithm = values["X-Amz-Algorithm"] ?? ""
        guard algorithm == SigV4.algorithm else {
            throw .incomplete("X-Amz-Algorithm only supports \"\(SigV4.algorithm)\"; got '\(algorithm)'.")
        }
        let credential = try SigV4Credential(parsing: values["X-Amz-Credential"] ?? "")
        let amzDate = values["X-Amz-Date"] ?? ""
        guard let date = SigV4Timestamp.parseBasic(amzDate) else { throw .badDate(amzDate) }
        let expiresText = values["X-Amz-Expires"] ?? ""
        guard let expires = Int(expiresText) else {
            throw .incomplete("X-Amz-Expires should be a number; got '\(expiresText)'.")
        }
        self.init(
            accessKeyId: credential.accessKeyId,
            date: date,
            dateStamp: credential.scope.dateStamp,
            region: credential.scope.region,
            service: credential.scope.service,
            signedHeaders: try Self.signedHeaderList(values["X-Amz-SignedHeaders"] ?? ""),
            signature: values["X-Amz-Signature"] ?? "",
            isPresigned: true,
            expires: expires,
            payloadHashHeader: request.headerValue("x-amz-content-sha256"),
            securityToken: queryItems.first { $0.name == "X-Amz-Security-Token" }?.value
                ?? request.headerValue("x-amz-security-token")
        )
    }

    /// Splits `host;x-amz-date`; an empty name is malformed.
    private static func signedHeaderList(_ text: String) throws(SigV4Error) -> [String] {
        let names = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard !names.contains(where: \.isEmpty) else {
            throw .incomplete("SignedHeaders '\(text)' contains an empty header name.")
        }
        return names
    }
}
