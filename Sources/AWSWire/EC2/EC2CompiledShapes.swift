/// The shapes of a schema with every shape reference resolved to an array index, so that
/// encoding a response does no dictionary lookup by shape name.
///
/// Invariant: `nodes[index[name]!]` is the compiled form of `schema.shapes[name]`, and every
/// member and list index points into `nodes`; a reference to a shape the schema lacks points
/// at a `.missing` node naming it.
final class EC2CompiledShapes: Sendable {
    /// A shape with its references resolved.
    enum Node: Sendable {
        /// A structure: members in model order, and each member's position by name.
        case structure([Member], positions: [String: Int])
        /// A list: each element an `item.xml` element of the shape `item.shape`.
        case list(item: Member)
        /// Any scalar shape, as the schema has it.
        case scalar(EC2Shape)
        /// A name the schema does not define.
        case missing
    }

    /// A structure member: its key in `EC2Value.structure`, its element name (with its tags
    /// written out), its shape.
    struct Member: Sendable {
        let name: String
        let xml: String
        let shape: Int
        /// `<xml>`, `</xml>` and `<xml/>`.
        let open: String
        let close: String
        let empty: String

        init(name: String, xml: String, shape: Int) {
            self.name = name
            self.xml = xml
            self.shape = shape
            open = "<" + xml + ">"
            close = "</" + xml + ">"
            empty = "<" + xml + "/>"
        }
    }

    /// Compiled shapes.
    let nodes: [Node]
    /// Shape names, parallel to `nodes`.
    let names: [String]
    /// Node index by shape name.
    let index: [String: Int]

    /// Compiles every shape of `schema`.
    init(_ schema: EC2Schema) {
        var index: [String: Int] = [:]
        var names: [String] = []
        func slot(_ name: String) -> Int {
            if let existing = index[name] { return existing }
            index[name] = names.count
            names.append(name)
            return names.count - 1
        }
        for name in schema.shapes.keys.sorted() { _ = slot(name) }
        var nodes: [Node] = []
        var position = 0
        while position < names.count {
            let name = names[position]
            switch schema.shapes[name] {
            case .structure(let members):
                let compiled = members.map { Member(name: $0.name, xml: $0.xml, shape: slot($0.shape)) }
                let positions = Dictionary(compiled.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
                nodes.append(.structure(compiled, positions: positions))
            case .list(let member, let item, _, _):
                nodes.append(.list(item: Member(name: item, xml: item, shape: slot(member))))
            case let scalar?:
                nodes.append(.scalar(scalar))
            case nil:
                nodes.append(.missing)
            }
            position += 1
        }
        self.nodes = nodes
        self.names = names
        self.index = index
    }
}
