import AWSWire
import BlockSnapCore
import Foundation
import Testing

@testable import APIServer

@Suite struct SnapshotFragmentCacheTests {
    static func record(_ id: String, progress: Int = 100, tags: [BlockSnapCore.Tag] = []) -> SnapshotRecord {
        SnapshotRecord(
            id: id, ownerId: "111122223333", status: progress == 100 ? .completed : .pending, progress: progress,
            volumeSizeGiB: 8, description: "d", parentId: nil, lineageId: id, rootNode: nil, tags: tags,
            startTime: Date(timeIntervalSince1970: 1_795_617_445), timeoutMinutes: 60,
            deadline: Date(timeIntervalSince1970: 1_795_621_045), clientToken: nil, requestFingerprint: nil)
    }

    @Test func aSnapshotIsRenderedOnceUntilItChanges() throws {
        let encoder = EC2XMLEncoder()
        let cache = SnapshotFragmentCache(limit: 3)
        var renders = 0
        func fragment(_ record: SnapshotRecord) throws -> EC2Fragment {
            try cache.fragment(for: record) { record throws(EC2EncodingError) in
                renders += 1
                return try encoder.fragment(of: EC2FrontEnd.snapshotValue(record), shape: "Snapshot")
            }
        }
        let pending = try fragment(Self.record("snap-1", progress: 40))
        #expect(try fragment(Self.record("snap-1", progress: 40)) == pending)
        #expect(renders == 1)
        #expect(pending.xml.contains("<status>pending</status>") && pending.xml.contains("<progress>40%</progress>"))

        // Any change to the record renders it afresh: progress and state, then tags.
        let completed = try fragment(Self.record("snap-1"))
        #expect(renders == 2)
        #expect(completed.xml.contains("<status>completed</status>") && completed.xml.contains("<progress>100%</progress>"))
        let tagged = try fragment(Self.record("snap-1", tags: [BlockSnapCore.Tag(key: "team", value: "storage")]))
        #expect(renders == 3)
        #expect(tagged.xml.contains("<key>team</key><value>storage</value>"))

        // Full: it starts over rather than growing.
        for n in 2...4 { _ = try fragment(Self.record("snap-\(n)")) }
        #expect(cache.count <= 3)
    }
}
