import AWSSigV4
import BlockEngine
import BlockSnapCore
import CatalogSQLite
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ObjectStoreFS
import Services
import Testing

@testable import APIServer

/// The whole HTTP stack (SigV4, dispatch, EBS front end, service, real SQLite and files),
/// driven through Hummingbird's router test client without a socket.
@Suite struct ResponderTests {
    struct Harness {
        let app: Application<BlockSnapResponder>
        let credentials: SigV4Credentials

        init(app: Application<BlockSnapResponder>, credentials: SigV4Credentials) {
            self.app = app
            self.credentials = credentials
        }

        init() async throws {
            let directory = NSTemporaryDirectory() + "blocksnap-api-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let catalog = try SQLiteCatalog(path: directory + "/catalog.sqlite")
            let objects = try FileSystemObjectStore(root: directory + "/objects")
            let clock = SystemWallClock()
            let accounts = AccountService(catalog: catalog, ids: ResourceIdentifiers(), clock: clock)
            let created = try await accounts.create(name: "root")
            credentials = SigV4Credentials(
                accessKeyId: created.key.accessKeyId, secretAccessKey: created.key.secretAccessKey)
            let service = EBSSnapshotService(
                catalog: catalog, blocks: BlockStore(objects: objects),
                maps: BlockMap(nodes: BlockMapNodes(catalog: catalog)),
                tokens: TokenSigner(secret: Array(repeating: 3, count: 32)), ids: ResourceIdentifiers(), clock: clock)
            let responder = BlockSnapResponder(
                frontEnds: [EBSFrontEnd(service: service, logger: Logger(label: "test"))], accounts: accounts,
                clock: clock, region: "us-east-1")
            app = Application(responder: responder)
        }

        func signedHeaders(
            method: HTTPRequest.Method, uri: String, body: [UInt8], extra: [(String, String)] = [],
            secret: String? = nil, unsignedPayload: Bool = false, service: String = "ebs", date: Date = Date()
        ) -> HTTPFields {
            let (path, query) = BlockSnapResponder.split(uri)
            var list: [(name: String, value: String)] = [("host", "127.0.0.1:8788")] + extra.map { ($0.0, $0.1) }
            let request = SigV4Request(method: method.rawValue, path: path, query: query, headers: list)
            var creds = credentials
            if let secret { creds.secretAccessKey = secret }
            let signer = SigV4Signer(credentials: creds, region: "us-east-1", service: service)
            list += signer.sign(request, payloadHash: unsignedPayload ? SigV4.unsignedPayload : SigV4.sha256Hex(body), date: date)
            var fields = HTTPFields()
            for (name, value) in list { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            return fields
        }
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
    }

    @Test func signedStartSnapshotSucceeds() async throws {
        let h = try await Harness()
        try await h.app.test(.router) { client in
            let body = Array(#"{"VolumeSize": 2}"#.utf8)
            let headers = h.signedHeaders(method: .post, uri: "/snapshots", body: body)
            try await client.execute(uri: "/snapshots", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .created)
                let object = Self.json(response)
                #expect((object["SnapshotId"] as? String)?.hasPrefix("snap-") == true)
                #expect(object["BlockSize"] as? Int == 524_288)
                #expect(object["Status"] as? String == "pending")
            }
        }
    }

    @Test func authenticationFailuresAreForbiddenWithAWSCodes() async throws {
        let h = try await Harness()
        try await h.app.test(.router) { client in
            let body = Array(#"{"VolumeSize": 2}"#.utf8)
            let cases: [(HTTPFields, String)] = [
                (HTTPFields(), "MissingAuthenticationTokenException"),
                (h.signedHeaders(method: .post, uri: "/snapshots", body: body, secret: "wrong"), "InvalidSignatureException"),
                (h.signedHeaders(method: .post, uri: "/snapshots", body: body, date: Date().addingTimeInterval(-16 * 60)), "InvalidSignatureException"),
            ]
            for (headers, code) in cases {
                try await client.execute(uri: "/snapshots", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                    #expect(response.status == .forbidden)
                    #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == code)
                }
            }
            let stranger = Harness(app: h.app, credentials: SigV4Credentials(accessKeyId: "AKIANOBODY0000000000", secretAccessKey: "x"))
            let unknown = stranger.signedHeaders(method: .post, uri: "/snapshots", body: body)
            try await client.execute(uri: "/snapshots", method: .post, headers: unknown, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "UnrecognizedClientException")
            }
        }
    }

    @Test func badInputGetsValidationErrorsNotServerErrors() async throws {
        let h = try await Harness()
        try await h.app.test(.router) { client in
            let garbage = Array("{not json".utf8)
            try await client.execute(
                uri: "/snapshots", method: .post, headers: h.signedHeaders(method: .post, uri: "/snapshots", body: garbage),
                body: ByteBuffer(bytes: garbage)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "SerializationException")
            }
            let wrongType = Array(#"{"VolumeSize": "big"}"#.utf8)
            try await client.execute(
                uri: "/snapshots", method: .post, headers: h.signedHeaders(method: .post, uri: "/snapshots", body: wrongType),
                body: ByteBuffer(bytes: wrongType)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == "ValidationException")
            }
            let big = [UInt8](repeating: 1, count: 524_289)
            let uri = "/snapshots/snap-0123456789abcdef0/blocks/99999999999999999999"
            try await client.execute(
                uri: uri, method: .put, headers: h.signedHeaders(method: .put, uri: uri, body: big, unsignedPayload: true),
                body: ByteBuffer(bytes: big)
            ) { response in
                #expect(response.status == .badRequest)
            }
            let unknownRoute = "/volumes"
            try await client.execute(
                uri: unknownRoute, method: .get, headers: h.signedHeaders(method: .get, uri: unknownRoute, body: [])
            ) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func everyServiceErrorMapsToAClientErrorExceptInternal() {
        for code in ServiceError.Code.allCases {
            let entry = EBSErrorTable.entry(for: code)
            #expect(entry.type.hasSuffix("Exception"))
            if code == .internalError {
                #expect(entry.status == .internalServerError)
            } else {
                #expect((400..<500).contains(entry.status.code), "\(code) must be a 4xx")
            }
        }
    }
}
