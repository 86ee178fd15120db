import Logging
import NIOCore

/// The transmission phase of one connection: reads requests, runs them concurrently and sends
/// each reply as soon as it is ready (replies may be out of order; the cookie matches them).
///
///     reader ─▶ parse ─▶ check ──fails──▶ error reply
///                          │
///                          ▼ admit (ordering)        (at most maxRequestsInFlight /
///                     child task:                     maxBytesInFlight admitted at once)
///                       wait for earlier conflicting requests
///                       run against the store ─▶ reply
///
/// The reader stops at `NBD_CMD_DISC`, at the end of the stream, or at a protocol error; the
/// connection is closed only after every admitted request has been answered.
struct NBDTransmission {
    /// Runs requests and builds replies.
    let executor: NBDCommandExecutor
    /// Where replies go.
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Limits and sizes.
    let configuration: NBDService.Configuration
    /// The connection's logger.
    let logger: Logger

    /// Serves requests until the client disconnects.
    func run(_ input: inout NBDInput) async {
        var parser = NBDRequestParser(maxPayload: configuration.maxPayload)
        let ordering = NBDRequestOrdering()
        let replies = NBDReplySender(outbound: outbound, logger: logger)
        await withTaskGroup(of: Int.self) { group in
            var (inFlight, bytesInFlight) = (0, 0)
            reading: while true {
                let result: NBDRequestParser.ParseResult
                do {
                    result = try parser.parse(&input.buffer)
                } catch {
                    logger.notice("closing NBD connection: \(error)")
                    break reading
                }
                switch result {
                case .needMoreData:
                    guard (try? await input.readMore()) == true else { break reading }
                case .payloadTooLarge(let request):
                    logger.notice(
                        "closing NBD connection: write of \(request.length) bytes exceeds the maximum payload")
                    let failure = NBDFailure(
                        errno: .invalid, message: "payload exceeds \(configuration.maxPayload) bytes")
                    await replies.send(executor.errorReply(request, failure))
                    break reading
                case .request(let request):
                    if request.command == .disconnect { break reading }
                    if let failure = executor.check(request) {
                        logger.debug("NBD request refused: \(request.command) \(failure.errno): \(failure.message)")
                        await replies.send(executor.errorReply(request, failure))
                        continue reading
                    }
                    let cost = request.command == .read ? Int(request.length) : request.payload.count
                    while inFlight > 0,
                        inFlight >= configuration.maxRequestsInFlight
                            || bytesInFlight + cost > configuration.maxBytesInFlight
                    {
                        bytesInFlight -= await group.next() ?? 0
                        inFlight -= 1
                    }
                    let ticket = ordering.admit(
                        range: request.command == .flush ? 0..<0 : request.range, isWrite: request.command.isWrite)
                    (inFlight, bytesInFlight) = (inFlight + 1, bytesInFlight + cost)
                    group.addTask { [executor] in
                        await ticket.waitForDependencies()
                        let reply = await executor.execute(request)
                        ordering.finish(ticket)
                        await replies.send(reply)
                        return cost
                    }
                }
            }
        }
    }
}
