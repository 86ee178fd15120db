/// Decodes an EC2 Query request's parameters into an `EC2Value` tree, driven by the model.
///
/// Names are dotted paths of request wire names (`EC2Member.query`): a structure member is
/// `Parent.Member`, a list element `List.N` (N from 1; gaps and order are tolerated, elements
/// sorted by N, as AWS does). So
/// `Filter.1.Name`, `Filter.1.Value.1`, `TagSpecification.1.Tag.1.Key`,
/// `BlockDeviceMapping.1.Ebs.VolumeSize` and `InstanceSpecification.InstanceId` all decode
/// through one walk. A repeated name keeps its first value.
///
/// Errors, in EC2's words: `UnknownParameter`, `InvalidParameterValue` (type, bounds, enum),
/// `MissingParameter` (the model's required members, named by their full wire path).
public struct EC2QueryDecoder: Sendable {
    /// The schema that names the shapes.
    public let schema: EC2Schema
    /// The deepest parameter name accepted, in dotted segments; deeper names are unknown.
    public let maxDepth: Int

    /// A decoder for `schema`.
    public init(schema: EC2Schema = .ec2, maxDepth: Int = 32) {
        self.schema = schema
        self.maxDepth = maxDepth
    }

    /// Decodes the parameters of `action` against its input shape; `InvalidAction` if the
    /// schema has no such operation.
    public func decode(action: String, parameters: [EC2QueryParameter]) throws(EC2WireError) -> EC2Value {
        guard let operation = schema.operations[action] else { throw .invalidAction(action) }
        guard let input = operation.input else {
            if let first = parameters.first { throw .unknownParameter(first.name) }
            return .structure([:])
        }
        return try decode(parameters, shape: input)
    }

    /// Decodes an envelope: its action (`MissingAction`, `InvalidAction`) and parameters.
    public func decode(_ envelope: EC2QueryEnvelope) throws(EC2WireError) -> (action: String, input: EC2Value) {
        let action = try envelope.requireAction()
        return (action, try decode(action: action, parameters: envelope.parameters))
    }

    /// Decodes parameters (without `Action` and `Version`) against the structure `shape`.
    public func decode(_ parameters: [EC2QueryParameter], shape: String) throws(EC2WireError) -> EC2Value {
        let root = ParameterNode(path: "", firstParameter: "")
        for parameter in parameters {
            try insert(parameter, into: root)
        }
        return try decode(root, shape: shape)
    }

    /// Decodes `(name, value)` pairs, as `QueryString.decode` returns them.
    public func decode(_ parameters: [(name: String, value: String)], shape: String) throws(EC2WireError)
        -> EC2Value
    {
        try decode(parameters.map { EC2QueryParameter(name: $0.name, value: $0.value) }, shape: shape)
    }

    private func insert(_ parameter: EC2QueryParameter, into root: ParameterNode) throws(EC2WireError) {
        let segments = parameter.name.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count <= maxDepth, !segments.contains(where: \.isEmpty) else {
            throw .unknownParameter(parameter.name)
        }
        var node = root
        for segment in segments {
            node = node.child(String(segment), firstParameter: parameter.name)
        }
        if node.value == nil { node.value = parameter.value }
    }

    func decode(_ node: ParameterNode, shape name: String) throws(EC2WireError) -> EC2Value {
        guard let shape = schema.shapes[name] else { throw .internalError() }
        switch shape {
        case .structure(let members):
            return try decodeStructure(node, members: members)
        case .list(let member, _, let min, let max):
            let elements = try indexedChildren(of: node)
            try checkCount(elements.count, of: node, min: min, max: max)
            var values: [EC2Value] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                values.append(try decode(element, shape: member))
            }
            return .list(values)
        default:
            if let child = node.orderedChildren.first { throw .unknownParameter(child.firstParameter) }
            return try EC2ScalarDecoding.decode(node.value ?? "", shape: shape, parameter: node.path)
        }
    }

    private func decodeStructure(_ node: ParameterNode, members: [EC2Member]) throws(EC2WireError) -> EC2Value {
        if let value = node.value, !value.isEmpty { throw .unknownParameter(node.firstParameter) }
        var result: [String: EC2Value] = [:]
        for child in node.orderedChildren {
            guard let member = members.first(where: { $0.query == child.segment }) else {
                throw .unknownParameter(child.firstParameter)
            }
            result[member.name] = try decode(child, shape: member.shape)
        }
        for member in members where member.isRequired && result[member.name] == nil {
            throw .missingParameter(node.path.isEmpty ? member.query : node.path + "." + member.query)
        }
        return .structure(result)
    }

    /// The children of a list node, which must be indexes, sorted by index (ties keep request order).
    private func indexedChildren(of node: ParameterNode) throws(EC2WireError) -> [ParameterNode] {
        if node.children.isEmpty, let value = node.value, !value.isEmpty {
            throw .unknownParameter(node.firstParameter)
        }
        var indexed: [(index: Int, node: ParameterNode)] = []
        for child in node.orderedChildren {
            guard child.segment.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let index = Int(child.segment) else {
                throw .unknownParameter(child.firstParameter)
            }
            indexed.append((index, child))
        }
        return indexed.enumerated().sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }
            .map(\.element.node)
    }

    private func checkCount(_ count: Int, of node: ParameterNode, min: Int?, max: Int?) throws(EC2WireError) {
        if let min, count < min {
            throw .invalidParameterValue("\(count) items", parameter: node.path, reason: "Give at least \(min).")
        }
        if let max, count > max {
            throw .invalidParameterValue("\(count) items", parameter: node.path, reason: "Give at most \(max).")
        }
    }
}

/// One dotted segment of the parameter names, with the parameters below it.
final class ParameterNode {
    /// The full wire path of this node (`Filter.1.Value`).
    let path: String
    /// The first parameter name that reached this node, for `UnknownParameter`.
    let firstParameter: String
    /// The value of the parameter whose name ends here, if any.
    var value: String?
    private(set) var children: [String: ParameterNode] = [:]
    private(set) var orderedChildren: [ParameterNode] = []

    init(path: String, firstParameter: String) {
        self.path = path
        self.firstParameter = firstParameter
    }

    /// This node's last path segment.
    var segment: Substring {
        guard let dot = path.lastIndex(of: ".") else { return path[...] }
        return path[path.index(after: dot)...]
    }

    func child(_ segment: String, firstParameter: String) -> ParameterNode {
        if let existing = children[segment] { return existing }
        let node = ParameterNode(path: path.isEmpty ? segment : path + "." + segment, firstParameter: firstParameter)
        children[segment] = node
        orderedChildren.append(node)
        return node
    }
}
