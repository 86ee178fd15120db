import AWSWire
import BlockSnapCore
import Services

extension EC2FrontEnd {
    static let tagHandlers: [String: Handler] = [
        "CreateTags": { fe, input, owner in
            try await fe.tags.createTags(
                try tagList(input, "Tags"), on: try input.strings("Resources"), dryRun: try input.bool("DryRun"),
                owner: owner)
            return nil
        },
        "DeleteTags": { fe, input, owner in
            let selection = try input.list("Tags").map { (key: try $0.requiredString("Key"), value: try $0.string("Value")) }
            try await fe.tags.deleteTags(
                selection, from: try input.strings("Resources"), dryRun: try input.bool("DryRun"), owner: owner)
            return nil
        },
        "DescribeTags": { fe, input, owner in
            let page = try await fe.tags.describeTags(
                filters: try filters(input), maxResults: try input.int("MaxResults"),
                nextToken: try input.string("NextToken"), owner: owner)
            return .object([
                "Tags": .list(
                    page.tags.map {
                        .object([
                            "ResourceId": .string($0.resourceId),
                            "ResourceType": .string($0.resourceType),
                            "Key": .string($0.tag.key),
                            "Value": .string($0.tag.value),
                        ])
                    }),
                "NextToken": page.nextToken.map { .string($0) },
            ])
        },
    ]
}
