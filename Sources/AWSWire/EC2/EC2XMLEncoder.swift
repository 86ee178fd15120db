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
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml.reserveCapacity(4096)
        xml += "<"
        xml += action
        xml += "Response xmlns=\""
        xml += schema.xmlNamespace
        xml += "\"><requestId>"
        XMLText.append(requestId, to: &xml)
        xml += "</requestId>"
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
            xml += "<return>true</return>"
        }
        xml += "</"
        xml += action
        xml += "Response>"
        return xml
    }

    /// The content (not the enclosing element) of `value` as the shape `shape`, rendered once
    /// so that it can be written into many documents as `.fragment` (for example the same
    /// snapshot in every DescribeSnapshots page that lists it).
    public func fragment(of value: EC2Value, shape: String) throws(EC2EncodingError) -> EC2Fragment {
        guard let index = compiled.index[shape] else { throw EC2EncodingError(": the schema has no shape \(shape)") }
        var xml = ""
        xml.reserveCapacity(1024)  // a snapshot's is ~600 bytes: no regrowth on the way
        do throws(EC2EncodingError) {
            try appendContent(of: value, shape: index, to: &xml)
        } catch {
            throw error.within(shape)
        }
        return EC2Fragment(shape: shape, xml: xml)
    }

    /// Appends the content (not the enclosing element) of `value` as the shape at `index`. On
    /// the error path only, each level adds its member name or list index to the location.
    private func appendContent(of value: EC2Value, shape index: Int, to xml: inout String) throws(EC2EncodingError) {
        if case .fragment(let fragment) = value {
            guard compiled.names[index] == fragment.shape else { throw mismatch("a \(compiled.names[index])", index, value) }
            xml += fragment.xml
            return
        }
        switch compiled.nodes[index] {
        case .missing:
            throw EC2EncodingError(": the schema has no shape \(compiled.names[index])")
        case .structure(let members):
            guard case .structure(let present) = value else { throw mismatch("a structure", index, value) }
            try appendMembers(members, of: present, shape: index, to: &xml)
        case .list(let member, let item):
            guard case .list(let elements) = value else { throw mismatch("a list", index, value) }
            for (position, element) in elements.enumerated() {
                do {
                    try appendElement(item, of: element, shape: member, to: &xml)
                } catch {
                    throw error.within("[\(position)]")
                }
            }
        case .scalar(let scalar):
            try appendScalar(value, as: scalar, shape: index, to: &xml)
        }
    }

    /// Appends the members present, in model order; a key the shape lacks is an error.
    private func appendMembers(
        _ members: [EC2CompiledShapes.Member], of present: [String: EC2Value], shape index: Int, to xml: inout String
    ) throws(EC2EncodingError) {
        var written = 0
        for member in members {
            // Every given member written: the rest of the shape's members are absent.
            if written == present.count { break }
            guard let memberValue = present[member.name] else { continue }
            written += 1
            do {
                try appendElement(member.xml, of: memberValue, shape: member.shape, to: &xml)
            } catch {
                throw error.within("." + member.name)
            }
        }
        if written != present.count, let key = present.keys.first(where: { key in !members.contains { $0.name == key } }) {
            throw EC2EncodingError(": \(compiled.names[index]) has no member \(key)")
        }
    }

    private func appendScalar(_ value: EC2Value, as shape: EC2Shape, shape index: Int, to xml: inout String)
        throws(EC2EncodingError)
    {
        switch (shape, value) {
        case (.string, .string(let text)), (.enumeration, .string(let text)):
            XMLText.append(text, to: &xml)
        case (.integer, .integer(let number)), (.long, .integer(let number)):
            xml += String(number)
        case (.double, .double(let number)):
            guard number.isFinite else { throw EC2EncodingError(": \(number) is not a finite number") }
            xml += String(number)
        case (.double, .integer(let number)):
            xml += String(number)
        case (.boolean, .boolean(let flag)):
            xml += flag ? "true" : "false"
        case (.timestamp, .timestamp(let date)):
            xml += EC2Timestamp.format(date)
        case (.blob, .blob(let data)):
            xml += data.base64EncodedString()
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
    private func appendElement(_ element: String, of value: EC2Value, shape: Int, to xml: inout String)
        throws(EC2EncodingError)
    {
        if case .list(let elements) = value, elements.isEmpty {
            guard case .list = compiled.nodes[shape] else {
                throw EC2EncodingError(": \(compiled.names[shape]) is not a list, given a list")
            }
            xml += "<"
            xml += element
            xml += "/>"
            return
        }
        xml += "<"
        xml += element
        xml += ">"
        try appendContent(of: value, shape: shape, to: &xml)
        xml += "</"
        xml += element
        xml += ">"
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
