import FoundationEssentials
import NoaCore
import NoaOTLP

// Conversions between OTLP's common types (AnyValue, KeyValue, Resource, InstrumentationScope) and NoaCore's.
// FoundationEssentials is imported only for `Data`, the type swift-protobuf uses for `bytes` fields. This target
// is linked by the tests only.

extension AttributeValue {
    /// The NoaCore value of an OTLP `AnyValue`; an unset value becomes an empty string (OTLP calls it empty).
    @inlinable
    public init(otlp value: OTLPAnyValue) {
        switch value.value {
        case .stringValue(let s)?: self = .string(s)
        case .boolValue(let b)?: self = .bool(b)
        case .intValue(let i)?: self = .int(i)
        case .doubleValue(let d)?: self = .double(d)
        case .bytesValue(let d)?: self = .bytes([UInt8](d))
        case .arrayValue(let a)?: self = .array(a.values.map(AttributeValue.init(otlp:)))
        case .kvlistValue(let kv)?: self = .map([Attribute](otlp: kv.values))
        case nil: self = .string("")
        }
    }

    /// The OTLP `AnyValue` of this value.
    public var otlp: OTLPAnyValue {
        var out = OTLPAnyValue()
        switch self {
        case .string(let s): out.value = .stringValue(s)
        case .bool(let b): out.value = .boolValue(b)
        case .int(let i): out.value = .intValue(i)
        case .double(let d): out.value = .doubleValue(d)
        case .bytes(let b): out.value = .bytesValue(Data(b))
        case .array(let values):
            var array = OTLPArrayValue()
            array.values = values.map(\.otlp)
            out.value = .arrayValue(array)
        case .map(let attributes):
            var list = OTLPKeyValueList()
            list.values = attributes.otlp
            out.value = .kvlistValue(list)
        }
        return out
    }
}

extension Array where Element == Attribute {
    /// NoaCore attributes from OTLP key-values, in their order.
    @inlinable
    public init(otlp keyValues: [OTLPKeyValue]) {
        self.init()
        reserveCapacity(keyValues.count)
        for kv in keyValues { append(Attribute(kv.key, AttributeValue(otlp: kv.value))) }
    }

    /// OTLP key-values, in order.
    public var otlp: [OTLPKeyValue] {
        map { attribute in
            var kv = OTLPKeyValue()
            kv.key = attribute.key
            kv.value = attribute.value.otlp
            return kv
        }
    }
}

extension Resource {
    public init(otlp resource: OTLPResource) {
        self.init(attributes: [Attribute](otlp: resource.attributes), droppedAttributesCount: resource.droppedAttributesCount)
    }

    public var otlp: OTLPResource {
        var out = OTLPResource()
        out.attributes = attributes.otlp
        out.droppedAttributesCount = droppedAttributesCount
        return out
    }
}

extension InstrumentationScope {
    public init(otlp scope: OTLPInstrumentationScope) {
        self.init(
            name: scope.name, version: scope.version, attributes: [Attribute](otlp: scope.attributes),
            droppedAttributesCount: scope.droppedAttributesCount)
    }

    public var otlp: OTLPInstrumentationScope {
        var out = OTLPInstrumentationScope()
        out.name = name
        out.version = version
        out.attributes = attributes.otlp
        out.droppedAttributesCount = droppedAttributesCount
        return out
    }
}
