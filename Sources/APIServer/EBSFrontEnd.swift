import AWSWire
import BlockEngine
import BlockSnapCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Services

/// The EBS direct APIs over REST-JSON: routes the six operations and renders their errors.
public struct EBSFrontEnd: ServiceFrontEnd {
    public let signingName = "ebs"
    let service: EBSSnapshotService
    let logger: Logger

    /// Creates the front end over the snapshot service.
    public init(service: EBSSnapshotService, logger: Logger) {
        self.service = service
        self.logger = logger
    }

    public func maxBodyBytes(method: String, path: String) -> Int {
        method == "PUT" ? BlockGeometry.blockSize : 64 * 1024
    }

    public func handle(_ request: AWSRequest) async -> Response {
        do {
            return try await route(request)
        } catch let error as ServiceError {
            return errorResponse(EBSErrorTable.entry(for: error.code), message: error.message, requestId: request.requestId)
        } catch let error as WireError {
            return errorResponse(
                EBSErrorTable.entry(for: .invalidParameterValue), message: error.description, requestId: request.requestId,
                type: Self.isSerialization(error) ? "SerializationException" : nil)
        } catch {
            logger.error(
                "EBS operation failed", metadata: ["error": "\(error)", "request.id": "\(request.requestId)"])
            return errorResponse(
                EBSErrorTable.entry(for: .internalError), message: "An internal error occurred.", requestId: request.requestId)
        }
    }

    private func route(_ request: AWSRequest) async throws -> Response {
        let path = request.pathSegments
        switch (request.method, path.count) {
        case ("POST", 1) where path[0] == "snapshots":
            return try await startSnapshot(request)
        case ("POST", 3) where path[0] == "snapshots" && path[1] == "completion":
            return try await completeSnapshot(request, snapshotId: path[2])
        case ("PUT", 4) where path[0] == "snapshots" && path[2] == "blocks":
            return try await putSnapshotBlock(request, snapshotId: path[1], index: path[3])
        case ("GET", 4) where path[0] == "snapshots" && path[2] == "blocks":
            return try await getSnapshotBlock(request, snapshotId: path[1], index: path[3])
        case ("GET", 3) where path[0] == "snapshots" && path[2] == "blocks":
            return try await listSnapshotBlocks(request, snapshotId: path[1])
        case ("GET", 3) where path[0] == "snapshots" && path[2] == "changedblocks":
            return try await listChangedBlocks(request, secondSnapshotId: path[1])
        default:
            return errorResponse(
                EBSErrorTable.Entry(type: "UnknownOperationException", status: .notFound),
                message: "No EBS operation matches \(request.method) \(request.rawPath).", requestId: request.requestId)
        }
    }

    public func authFailureResponse(_ failure: AuthFailure, requestId: String) -> Response {
        let (entry, message) = EBSErrorTable.entry(for: failure)
        return errorResponse(entry, message: message, requestId: requestId)
    }

    public func bodyFailureResponse(message: String, requestId: String) -> Response {
        errorResponse(EBSErrorTable.entry(for: .invalidParameterValue), message: message, requestId: requestId)
    }

    func errorResponse(_ entry: EBSErrorTable.Entry, message: String, requestId: String, type: String? = nil)
        -> Response
    {
        var members: [(String, JSONWriter.Value?)] = [("Message", .string(String(message.prefix(256))))]
        if let reason = entry.reason, type == nil { members.append(("Reason", .string(reason))) }
        var response = jsonResponse(.object(members), status: entry.status, requestId: requestId)
        response.headers[HTTPField.Name("x-amzn-ErrorType")!] = type ?? entry.type
        return response
    }

    func jsonResponse(_ value: JSONWriter.Value, status: HTTPResponse.Status, requestId: String) -> Response {
        let bytes = JSONWriter.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[HTTPField.Name("x-amzn-RequestId")!] = requestId
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func isSerialization(_ error: WireError) -> Bool {
        if case .malformedBody = error { return true }
        return false
    }
}
