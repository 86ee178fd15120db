import Logging
import NIOCore

/// The transmission phase of one connection: reads requests, runs them concurrently and sends
/// each reply as soon as it is ready (replies may be out of order; the cookie matches them).
///
///     reader ─▶ parse ─▶ check ──fails──▶ error reply
///                          │
///                          ▼
///                     no unfinished request it conflicts with, and the store can do it at
///                     once (a read of cached local bytes, a small write of a local block)?
///                          ├─ yes: run it on the reader; its reply joins the reader's batch
///                          └─ no:  admit (ordering), child task   (at most maxRequestsInFlight /
///                                    wait for earlier              maxBytesInFlight at once, and
///                                    conflicting requests          room in the server's budget)
///                                    run against the store ─▶ reply
///
/// The reader sends its batch of replies before it waits for anything (more input, a free
/// slot) and whenever it holds `maxBatchBytes`, so a reply is never held back while the reader
/// is idle. Running small requests on the reader saves a task, two thread hops and a reply
/// hop each: most of what a 4 KiB request costs.
///
/// The reader stops at `NBD_CMD_DISC`, at the end of the stream, or at a protocol error; the
/// connection is closed only after every admitted request has been answered.
struct NBDTransmission {
    /// Runs requests and builds replies.
    let executor: NBDCommandExecutor
    /// Where replies go.
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// What all connections' running requests may hold.
    let budget: NBDMemoryBudget
    /// Limits and sizes.
    let configuration: NBDService.Configuration
    /// The connection's logger.
    let logger: Logger

    /// Reply bytes the reader gathers before it sends them.
    static let maxBatchBytes = 2 << 20

    /// Serves requests until the client disconnects.
    func run(_ input: inout NBDInput) async {
        var parser = NBDRequestParser(maxPayload: configuration.maxPayload)
        let ordering = NBDRequestOrdering()
        let replies = NBDReplySender(outbound: outbound, logger: logger)
        var batch = ReplyBatch()
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
                    await batch.send(to: replies)
                    guard (try? await input.readMore()) == true else { break reading }
                case .payloadTooLarge(let request):
                    logger.notice(
                        "closing NBD connection: write of \(request.length) bytes exceeds the maximum payload")
                    let failure = NBDFailure(
                        errno: .invalid, message: "payload exceeds \(configuration.maxPayload) bytes")
                    batch.append(executor.errorReply(request, failure))
                    break reading
                case .request(let request):
                    // A closed channel (a client gone, or closed for not reading): the requests
                    // still parsed would hold memory and I/O for replies nobody gets.
                    if request.command == .disconnect || replies.isClosed { break reading }
                    if let failure = executor.check(request) {
                        logger.debug("NBD request refused: \(request.command) \(failure.errno): \(failure.message)")
                        batch.append(executor.errorReply(request, failure))
                        continue reading
                    }
                    let range = request.command == .flush ? 0..<0 : request.range
                    // Done before the next request is read, so it needs no ticket.
                    if !ordering.conflicts(range: range, isWrite: request.command.isWrite),
                        let reply = executor.executeNow(request)
                    {
                        batch.append(reply)
                        if batch.bytes >= Self.maxBatchBytes { await batch.send(to: replies) }
                        continue reading
                    }
                    let cost = request.command == .read ? Int(request.length) : request.payload.count
                    if inFlight > 0,
                        inFlight >= configuration.maxRequestsInFlight
                            || bytesInFlight + cost > configuration.maxBytesInFlight
                    {
                        await batch.send(to: replies)
                        repeat {
                            bytesInFlight -= await group.next() ?? 0
                            inFlight -= 1
                        } while inFlight > 0
                            && (inFlight >= configuration.maxRequestsInFlight
                                || bytesInFlight + cost > configuration.maxBytesInFlight)
                    }
                    if !budget.tryAcquire(cost) {
                        await batch.send(to: replies)
                        await budget.acquire(cost)
                    }
                    let ticket = ordering.admit(range: range, isWrite: request.command.isWrite)
                    (inFlight, bytesInFlight) = (inFlight + 1, bytesInFlight + cost)
                    group.addTask { [executor, budget] in
                        await ticket.waitForDependencies()
                        let reply = await executor.execute(request)
                        ordering.finish(ticket)
                        await replies.send(reply)
                        budget.release(cost)
                        return cost
                    }
                }
            }
            await batch.send(to: replies)
        }
    }
}

/// Replies the reader produced itself, sent together.
private struct ReplyBatch {
    private var replies: [ByteBuffer] = []
    /// Bytes gathered.
    private(set) var bytes = 0

    mutating func append(_ reply: ByteBuffer) {
        replies.append(reply)
        bytes += reply.readableBytes
    }

    /// Sends what was gathered, in order, and starts over.
    mutating func send(to sender: NBDReplySender) async {
        guard !replies.isEmpty else { return }
        let gathered = replies
        replies = []
        bytes = 0
        await sender.send(contentsOf: gathered)
    }
}
