/// The part of an AWS model the EC2 Query codec needs: operations, shapes and wire names.
///
/// `EC2Schema.ec2` is generated from botocore's `ec2` model by `scripts/gen_ec2_shapes.py`;
/// tests may build small schemas by hand.
public struct EC2Schema: Sendable {
    /// The API version clients send as `Version` (`2016-11-15`).
    public let apiVersion: String
    /// The namespace of every response document, with its trailing slash.
    public let xmlNamespace: String
    /// Operations by action name.
    public let operations: [String: EC2Operation]
    /// Shapes by model name.
    public let shapes: [String: EC2Shape]

    /// A schema from its parts; every shape name referenced must be in `shapes`.
    public init(
        apiVersion: String,
        xmlNamespace: String,
        operations: [String: EC2Operation],
        shapes: [String: EC2Shape]
    ) {
        self.apiVersion = apiVersion
        self.xmlNamespace = xmlNamespace
        self.operations = operations
        self.shapes = shapes
    }

    /// Shape names referenced by operations or shapes but not defined (empty for a sound schema).
    public var danglingReferences: [String] {
        var referenced: Set<String> = []
        for operation in operations.values {
            if let input = operation.input { referenced.insert(input) }
            if let output = operation.output { referenced.insert(output) }
        }
        for shape in shapes.values {
            switch shape {
            case .structure(let members): referenced.formUnion(members.map(\.shape))
            case .list(let member, _, _, _): referenced.insert(member)
            default: break
            }
        }
        return referenced.filter { shapes[$0] == nil }.sorted()
    }
}

/// One operation: its input and output shape names. An operation without an output
/// answers `<return>true</return>`.
public struct EC2Operation: Sendable, Equatable {
    /// The input shape's name; nil for an operation that takes no parameters.
    public let input: String?
    /// The output shape's name; nil for an operation that answers `<return>true</return>`.
    public let output: String?

    /// An operation from its shape names.
    public init(input: String?, output: String?) {
        self.input = input
        self.output = output
    }
}

/// A model shape. Bounds are the model's `min`/`max`: lengths for strings, counts for lists,
/// values for numbers.
public enum EC2Shape: Sendable, Equatable {
    /// A structure; members in model order (the order of response elements).
    case structure([EC2Member])
    /// A list of `member`; on the wire `Name.N` in requests, `<name><item>…</item></name>` in
    /// responses, where `item` is the model's element name for the list member.
    case list(member: String, item: String, min: Int? = nil, max: Int? = nil)
    /// A string.
    case string(min: Int? = nil, max: Int? = nil)
    /// A string restricted to the model's values (model order).
    case enumeration([String])
    /// A 32-bit integer.
    case integer(min: Int? = nil, max: Int? = nil)
    /// A 64-bit integer.
    case long(min: Int? = nil, max: Int? = nil)
    /// A double (also the model's `float`).
    case double(min: Double? = nil, max: Double? = nil)
    /// `true` or `false`.
    case boolean
    /// An ISO 8601 instant.
    case timestamp
    /// Base64-encoded bytes.
    case blob
}

/// A structure member with its names on the wire.
public struct EC2Member: Sendable, Equatable {
    /// The model's member name, the key in `EC2Value.structure` (`TagSpecifications`).
    public let name: String
    /// The target shape's name.
    public let shape: String
    /// The request parameter name (`TagSpecification`): queryName, else locationName with its
    /// first letter upper-cased, else the member name.
    public let query: String
    /// The response element name (`tagSpecificationSet`): locationName, else the member name.
    public let xml: String
    /// Whether the model requires the member in a request.
    public let isRequired: Bool

    /// A member; see the properties.
    public init(_ name: String, shape: String, query: String, xml: String, required: Bool = false) {
        self.name = name
        self.shape = shape
        self.query = query
        self.xml = xml
        self.isRequired = required
    }
}
