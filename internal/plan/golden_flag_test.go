package plan

// `go test ./... -update` passes -update to every test binary of the module.
import _ "github.com/ecsgen/ecsgen/internal/golden"
