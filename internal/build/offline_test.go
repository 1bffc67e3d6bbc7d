package build

import (
	"os/exec"
	"strings"
	"testing"
)

// build, vet, check and plan never talk to AWS: the pipeline they share does not even link the
// AWS SDK. Only internal/deployed (diff, import) does.
func TestPipelineIsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".", "../load", "../check", "../write", "../../generators").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2") || strings.HasSuffix(pkg, "/internal/deployed") {
			t.Errorf("the offline pipeline depends on %s", pkg)
		}
	}
}
