package schema

import _ "embed"

// The schema is published as a CUE module, so that a .cue spec can import it and the plain cue
// command checks it (cue vet, cue export). This directory is that module: cue.mod/module.cue
// names it, spec.cue holds #Spec and environments.cue #Environments. `ecsgen schema
// --cue-module DIR` writes the same files to DIR, for users without network access or a
// registry; a test keeps them byte for byte equal to the files here.

// ModulePath is the CUE module path of the schema. Its major version changes only if the spec
// format ever breaks existing specs.
const ModulePath = "github.com/ecsgen/ecsgen/schema@v0"

// EnvironmentsCUE defines #Environments: how plain CUE checks a spec with environments.
//
//go:embed environments.cue
var EnvironmentsCUE []byte

//go:embed cue.mod/module.cue
var moduleCUE []byte

// ModuleFiles are the files of the schema's CUE module, keyed by their slash-separated path
// relative to the module's root.
func ModuleFiles() map[string][]byte {
	return map[string][]byte{
		"cue.mod/module.cue": moduleCUE,
		"spec.cue":           CUE,
		"environments.cue":   EnvironmentsCUE,
	}
}
