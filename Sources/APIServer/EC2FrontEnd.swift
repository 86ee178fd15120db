import AWSWire
import BlockSnapCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Services

/// The EC2 API over the Query protocol: form-encoded POST or GET, XML responses. Decoding and
/// encoding are driven by the schema generated from botocore's model; each action family's
/// handlers live in their own file.
public struct EC2FrontEnd: ServiceFrontEnd {
    public let signingName = "ec2"
    let volumes: VolumeService
    let instances: InstanceService
    let snapshots: EC2SnapshotService
    let tags: TagService
    let logger: Logger
    let decoder = EC2QueryDecoder()
    let encoder = EC2XMLEncoder()
    /// Rendered `Snapshot` items for DescribeSnapshots.
    let snapshotFragments = SnapshotFragmentCache()
    /// Reads and renders the next DescribeSnapshots page in the background (pages of 100 or more).
    let snapshotReadAhead = ReadAheadGate()

    /// Creates the front end.
    public init(
        volumes: VolumeService, instances: InstanceService, snapshots: EC2SnapshotService, tags: TagService,
        logger: Logger
    ) {
        self.volumes = volumes
        self.instances = instances
        self.snapshots = snapshots
        self.tags = tags
        self.logger = logger
    }

    public func maxBodyBytes(method: String, path: String) -> Int { 1 << 20 }

    typealias Handler = @Sendable (EC2FrontEnd, EC2Value, Account) async throws -> EC2Value?

    /// The action table.
    static let handlers: [String: Handler] = volumeHandlers.merging(instanceHandlers) { $1 }
        .merging(snapshotHandlers) { $1 }.merging(tagHandlers) { $1 }

    public func handle(_ request: AWSRequest) async -> Response {
        do {
            let body = request.method == "POST" ? String(validating: request.body, as: UTF8.self) : request.rawQuery
            guard let raw = body else { throw EC2WireError.malformedQueryString }
            let envelope = try EC2QueryEnvelope(formEncoded: raw)
            for parameter in envelope.parameters {
                if let bad = TextRules.firstNotStorable(in: parameter.value) {
                    throw EC2WireError(
                        code: EC2WireError.Code.invalidParameterValue,
                        message: "Value for parameter \(parameter.name) is invalid: it contains \(TextRules.name(bad)), "
                            + "a character EC2 does not accept.")
                }
            }
            let action = try envelope.requireAction()
            guard let handler = Self.handlers[action] else {
                throw EC2WireError.invalidAction(action)
            }
            if let version = envelope.version, version != "2016-11-15" {
                throw EC2WireError(code: "InvalidParameterValue", message: "Version \(version) is not supported; use 2016-11-15.")
            }
            let input = try decoder.decode(action: action, parameters: envelope.parameters)
            let output = try await handler(self, input, request.account)
            // Read-only actions check everything by running; with DryRun they answer as AWS does.
            if action.hasPrefix("Describe"), try input.bool("DryRun") == true {
                throw ServiceError(.dryRunOperation, "Request would have succeeded, but DryRun flag is set.")
            }
            let xml = try encoder.encode(action: action, output: output, requestId: request.requestId)
            return Self.xmlResponse(xml, status: .ok)
        } catch let error as EC2WireError {
            return errorResponse(code: error.code, message: error.message, status: .badRequest, requestId: request.requestId)
        } catch let error as ServiceError {
            let (code, status) = EC2ErrorTable.entry(for: error.code)
            return errorResponse(code: code, message: error.message, status: status, requestId: request.requestId)
        } catch let error as CatalogError {
            let (code, message): (String, String) =
                switch error {
                case .tagLimitExceeded(let id): ("TagLimitExceeded", "The maximum number of tags (50) for resource \(id) would be exceeded.")
                case .resourceNotFound(let id): ("InvalidID", "The ID '\(id)' is not valid")
                case .accountNotFound(let id): ("InvalidUserID.Malformed", "User ID '\(id)' is not valid.")
                }
            return errorResponse(code: code, message: message, status: .badRequest, requestId: request.requestId)
        } catch {
            logger.error("EC2 operation failed", metadata: ["error": "\(error)", "request.id": "\(request.requestId)"])
            return errorResponse(
                code: "InternalError", message: "An internal error has occurred", status: .internalServerError,
                requestId: request.requestId)
        }
    }

    public func authFailureResponse(_ failure: AuthFailure, requestId: String) -> Response {
        let entry = EC2ErrorTable.entry(for: failure)
        return errorResponse(code: entry.code, message: entry.message, status: entry.status, requestId: requestId)
    }

    public func bodyFailureResponse(message: String, requestId: String) -> Response {
        errorResponse(code: "InvalidParameterValue", message: message, status: .badRequest, requestId: requestId)
    }

    func errorResponse(code: String, message: String, status: HTTPResponse.Status, requestId: String) -> Response {
        Self.xmlResponse(EC2ErrorXML.render(code: code, message: message, requestId: requestId), status: status)
    }

    static func xmlResponse(_ xml: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/xml;charset=UTF-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: xml)))
    }
}
