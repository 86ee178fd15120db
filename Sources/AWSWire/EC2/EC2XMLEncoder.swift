/// Renders an operation's output tree as the XML document EC2 answers with.
///
/// ```
/// <?xml version="1.0" encoding="UTF-8"?>
/// <CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>…</requestId>
/// <snapshotId>…</snapshotId>…<tagSet><item><key>…</key><value>…</value></item></tagSet>…
/// </CreateSnapshotResponse>
/// ```
///
/// (one line on the wire). Members come in model order under their response names
/// (`EC2Member.xml`); absent members are left out; a list is `<name><item>…</item></name>`
/// (`<name/>` when empty); booleans are `true`/`false`; timestamps `2026-11-25T14:37:25.123Z`.
/// An operation without an output answers `<return>true</return>`.
public struct EC2XMLEncoder: Sendable {
    /// The schema that names the shapes.
    public let schema: EC2Schema
    /// The schema's shapes, resolved for encoding.
    private let compiled: EC2CompiledShapes

    /// An encoder for `schema`.
    public init(schema: EC2Schema = .ec2) {
        self.schema = schema
        compiled = EC2CompiledShapes(schema)
    }

    /// The response document of `action`. `output` must be a structure of the operation's
    /// output shape (nil is an empty one); an operation without an output takes nil.
    /// Throws `EC2EncodingError` — a bug in the handler, never the client's doing — when the
    /// tree does not fit the shape.
    public func encode(action: String, output: EC2Value?, requestId: String) throws(EC2EncodingError) -> String {
        guard let operation = schema.operations[action] else {
            throw EC2EncodingError("\(action): not an operation of the schema")
        }
        var xml = XMLBytes(capacity: 4096)
        xml.append(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<")
        xml.append(action)
        xml.append("Response xmlns=\"")
        xml.append(schema.xmlNamespace)
        xml.append("\"><requestId>")
        XMLText.append(requestId, to: &xml)
        xml.append("</requestId>")
        if let outputShape = operation.output {
            do throws(EC2EncodingError) {
                guard let shape = compiled.index[outputShape] else {
                    throw EC2EncodingError(": the schema has no shape \(outputShape)")
                }
                try appendContent(of: output ?? .structure([:]), shape: shape, to: &xml)
            } catch {
                throw error.within(outputShape)
            }
        } else {
            if let output { throw EC2EncodingError("\(action) has no output, given \(output.kindDescription)") }
            xml.append("<return>true</return>")
        }
        xml.append("</")
        xml.append(action)
        xml.append("Response>")
        return xml.string
    }

    /// The content (not the enclosing element) of `value` as the shape `shape`, rendered once
    /// so that it can be written into many documents as `.fragment` (for example the same
    /// snapshot in every DescribeSnapshots page that lists it).
    public func fragment(of value: EC2Value, shape: String) throws(EC2EncodingError) -> EC2Fragment {
        guard let index = compiled.index[shape] else { throw EC2EncodingError(": the schema has no shape \(shape)") }
        var xml = XMLBytes(capacity: 1024)  // a snapshot's is ~600 bytes: no regrowth on the way
        do throws(EC2EncodingError) {
            try appendContent(of: value, shape: index, to: &xml)
        } catch {
            throw error.within(shape)
        }
        return EC2Fragment(shape: shape, xml: xml.string)
    }

    /// Appends the content (not the enclosing element) of `value` as the shape at `index`. On
    /// the error path only, each level adds its member name or list index to the location.
    private func appendContent(of value: EC2Value, shape index: Int, to xml: inout XMLBytes) throws(EC2EncodingError) {
        if case .fragment(let fragment) = value {
            guard compiled.names[index] == fragment.shape else { throw mismatch("a \(compiled.names[index])", index, value) }
            xml.append(fragment.xml)
            return
        }
        switch compiled.nodes[index] {
        case .missing:
            throw EC2EncodingError(": the schema has no shape \(compiled.names[index])")
        case .structure(let members, let positions):
            guard case .structure(let present) = value else { throw mismatch("a structure", index, value) }
            try appendMembers(members, positions: positions, of: present, shape: index, to: &xml)
        case .list(let item):
            guard case .list(let elements) = value else { throw mismatch("a list", index, value) }
            for (position, element) in elements.enumerated() {
                do {
                    try appendElement(item, of: element, to: &xml)
                } catch {
                    throw error.within("[\(position)]")
                }
            }
        case .scalar(let scalar):
            try appendScalar(value, as: scalar, shape: index, to: &xml)
        }
    }

    /// Appends the members present, in model order; a key the shape lacks is an error. With
    /// fewer members present than the shape has, each present one is placed by its position
    /// (one hash lookup per member present, not per member of the shape).
    private func appendMembers(
        _ members: [EC2CompiledShapes.Member], positions: [String: Int], of present: [String: EC2Value], shape index: Int,
        to xml: inout XMLBytes
    ) throws(EC2EncodingError) {
        if present.count < members.count {
            var placed: [(position: Int, value: EC2Value)] = []
            placed.reserveCapacity(present.count)
            for (key, memberValue) in present {
                guard let position = positions[key] else {
                    throw EC2EncodingError(": \(compiled.names[index]) has no member \(key)")
                }
                placed.append((position, memberValue))
            }
            placed.sort { $0.position < $1.position }
            for (position, memberValue) in placed {
                try appendMember(members[position], memberValue, to: &xml)
            }
            return
        }
        var written = 0
        for member in members {
            // Every given member written: the rest of the shape's members are absent.
            if written == present.count { break }
            guard let memberValue = present[member.name] else { continue }
            written += 1
            try appendMember(member, memberValue, to: &xml)
        }
        if written != present.count, let key = present.keys.first(where: { positions[$0] == nil }) {
            throw EC2EncodingError(": \(compiled.names[index]) has no member \(key)")
        }
    }

    private func appendMember(_ member: EC2CompiledShapes.Member, _ value: EC2Value, to xml: inout XMLBytes)
        throws(EC2EncodingError)
    {
        do {
            try appendElement(member, of: value, to: &xml)
        } catch {
            throw error.within("." + member.name)
        }
    }

    private func appendScalar(_ value: EC2Value, as shape: EC2Shape, shape index: Int, to xml: inout XMLBytes)
        throws(EC2EncodingError)
    {
        switch (shape, value) {
        case (.string, .string(let text)), (.enumeration, .string(let text)):
            XMLText.append(text, to: &xml)
        case (.integer, .integer(let number)), (.long, .integer(let number)):
            xml.append(String(number))
        case (.double, .double(let number)):
            guard number.isFinite else { throw EC2EncodingError(": \(number) is not a finite number") }
            xml.append(String(number))
        case (.double, .integer(let number)):
            xml.append(String(number))
        case (.boolean, .boolean(let flag)):
            xml.append(flag ? "true" : "false")
        case (.timestamp, .timestamp(let date)):
            xml.append(EC2Timestamp.format(date))
        case (.blob, .blob(let data)):
            xml.append(data.base64EncodedString())
        case (.string, _), (.enumeration, _):
            throw mismatch("a string", index, value)
        case (.integer, _), (.long, _):
            throw mismatch("an integer", index, value)
        case (.double, _):
            throw mismatch("a double", index, value)
        case (.boolean, _):
            throw mismatch("a boolean", index, value)
        case (.timestamp, _):
            throw mismatch("a timestamp", index, value)
        case (.blob, _):
            throw mismatch("a blob", index, value)
        case (.structure, _), (.list, _):
            throw mismatch("a scalar", index, value)  // never: compiled as structure and list nodes
        }
    }

    private func mismatch(_ expected: String, _ index: Int, _ value: EC2Value) -> EC2EncodingError {
        EC2EncodingError(": expected \(expected) for \(compiled.names[index]), got \(value.kindDescription)")
    }

    /// Appends `<element>content</element>`, or `<element/>` for an empty list.
    private func appendElement(_ element: EC2CompiledShapes.Member, of value: EC2Value, to xml: inout XMLBytes)
        throws(EC2EncodingError)
    {
        if case .list(let elements) = value, elements.isEmpty {
            guard case .list = compiled.nodes[element.shape] else {
                throw EC2EncodingError(": \(compiled.names[element.shape]) is not a list, given a list")
            }
            xml.append(element.empty)
            return
        }
        xml.append(element.open)
        try appendContent(of: value, shape: element.shape, to: &xml)
        xml.append(element.close)
    }
}

/// The XML content of one value of a shape, rendered by `EC2XMLEncoder.fragment(of:shape:)`.
///
/// Invariant: `xml` is exactly what the encoder writes for a value of `shape`; the encoder
/// writes it only where that shape is expected.
public struct EC2Fragment: Sendable, Equatable {
    /// The shape it was rendered as.
    public let shape: String
    /// The rendered content, without the enclosing element.
    public let xml: String
}

/// An output tree that does not fit its shape (a wrong kind of value, a member the shape does
/// not have): a server bug, to be logged and answered with a 500.
public struct EC2EncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where and what (`Snapshot.VolumeSize: expected an integer for Integer, got a string`).
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// The same error one level further out: `outer` (a shape name, `.Member` or `[index]`)
    /// goes in front of the location.
    func within(_ outer: String) -> EC2EncodingError {
        EC2EncodingError(outer + description)
    }
}
