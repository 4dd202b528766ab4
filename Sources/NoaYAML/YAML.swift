/// Entry point of the reader: composes one YAML 1.2 document into a `YAMLNode` tree.
///
/// The supported subset is what a configuration file needs: block mappings and sequences (§8.2), flow mappings and
/// sequences (§7.4), plain, single- and double-quoted scalars (§7.3), literal and folded block scalars (§8.1),
/// comments (§6.6), and the `---` / `...` markers of a single document (§9.1). Anchors, aliases, tags, directives,
/// complex (`?`) keys and several documents are reported as errors rather than misread.
public enum YAML {
    /// The document's root node, or nil for a text with no content (only comments, blank lines, markers).
    public static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        var parser = YAMLParser(text)
        return try parser.parseDocument()
    }
}
