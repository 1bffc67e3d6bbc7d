package load

// JSONSchema returns the JSON Schema of the spec.
func JSONSchema() ([]byte, error) { return nil, nil }

// Reference returns the spec reference in Markdown.
func Reference() ([]byte, error) { return nil, nil }
