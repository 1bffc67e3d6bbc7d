package check

import (
	"fmt"
	"maps"
	"slices"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func sortedKeys[M ~map[string]V, V any](m M) []string { return slices.Sorted(maps.Keys(m)) }
