import BlockSnapCore
import Services
import Testing

/// CreateTags/DeleteTags: ids that name no taggable resource are `InvalidID`.
@Suite struct TagResourceIdTests {
    @Test func tagsNeedUsableIds() async throws {
        let h = try await EC2Harness()
        let tags = TagService(context: h.context)
        for id in ["2014-10-21T13:34:24.000Z", "ami-12345678", "i-eCHmOTcEW0OZ9KbNe"] {
            #expect(
                await serviceErrorCode { try await tags.createTags([Tag(key: "a", value: "b")], on: [id], dryRun: nil, owner: h.owner) }
                    == .invalidId)
            #expect(await serviceErrorCode { try await tags.deleteTags([], from: [id], dryRun: nil, owner: h.owner) } == .invalidId)
        }
        #expect(
            await serviceErrorCode {
                try await tags.createTags([Tag(key: "a", value: "b")], on: ["i-12345678"], dryRun: nil, owner: h.owner)
            } == .instanceNotFound)
    }
}
