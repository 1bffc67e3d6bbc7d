package generators

import (
	"strconv"
	"strings"

	"github.com/ecsgen/ecsgen/templates"
)

// The shell functions of deploy.sh that deploy the stacks, one per stack, written here instead
// of by a template: text/template reached each of the function's thirty fields by reflection,
// and for thousands of stacks that cost more than the rest of deploy.sh. What every stack's
// function has — its comment, the adoption of retained log groups, the `aws cloudformation
// deploy` command, an autoscaled service's task count — is a few lines written piece by piece;
// the long parts only blue/green and CodeDeploy services have stay templates
// (templates/deploy-stack.sh.tmpl), executed for those stacks alone.

// writeStackFunctions writes the functions of every stack of d, one after another, each
// starting with a newline and ending with one, between the two parts of deploy.sh.tmpl.
func writeStackFunctions(w *templates.Writer, d *scriptData) error {
	for i := range d.Stacks {
		if err := writeStackFunction(w, d, &d.Stacks[i]); err != nil {
			return err
		}
	}
	return nil
}

// writeStackFunction writes the function deploying st, as the lines of the template they
// replace wrote it (deploy.sh is a golden output of every example).
func writeStackFunction(out *templates.Writer, d *scriptData, st *deployStack) error {
	w := func(parts ...string) {
		for _, p := range parts {
			out.WriteString(p)
		}
	}
	w("\n# ", st.Description)
	inline := strconv.Itoa(d.InlineLimit)
	if st.S3Bucket {
		w("\n# Its template is ", strconv.Itoa(st.Bytes), " bytes, over the ", inline, " bytes that CloudFormation accepts",
			"\n# inline: `aws cloudformation deploy` uploads it to the S3 bucket named by ", d.BucketVariable, ".")
	}
	w("\n", st.Function, "() {")
	if st.Release != nil {
		if err := out.Execute("deploy-release-wait", st); err != nil {
			return err
		}
	}
	release := "release_" + strings.TrimPrefix(st.Function, "deploy_")
	if st.Skippable {
		// A stack deployed as built is not deployed again (generators/digest.go); a CodeDeploy
		// service is still brought to the revision its stack registered.
		w("\n  if unchanged ", st.QName, "; then")
		if st.Release != nil {
			w("\n    ", release)
		}
		w("\n    return 0",
			"\n  fi")
	}
	if st.LiveTraffic != nil {
		if err := out.Execute("deploy-live-traffic", st); err != nil {
			return err
		}
	}
	if c := st.DesiredCount; c != nil {
		initial := strconv.Itoa(c.Initial)
		w("\n  # Autoscaling owns the task count: the service starts with ", initial, ", and every update passes",
			"\n  # the count it runs now, so a deploy never resets what the scaling chose.",
			"\n  local count running_count",
			"\n  count=", initial,
			"\n  if stack_exists ", st.QName, "; then",
			"\n    running_count=$(in_region ecs describe-services \\",
			"\n      --cluster ", templates.ShellQuote(c.Cluster), " --services ", templates.ShellQuote(c.Service), " \\",
			"\n      --query 'services[0].desiredCount' --output text)",
			"\n    case $running_count in",
			"\n      '' | *[!0-9]*) ;; # no such service (any more): start again from the spec's count",
			"\n      *) count=$running_count ;;",
			"\n    esac",
			"\n  fi")
	}
	// The template's bucket for templates over the inline limit, required when the stack's is.
	bucket := `"${` + d.BucketVariable + ":?set " + d.BucketVariable + " to an S3 bucket for templates over " + inline + ` bytes}"`
	// The overrides of the stack's parameters, and those deploy.sh reads before the update.
	overrides := func() {
		for _, p := range st.QParameterOverrides {
			w(" ", p)
		}
		if st.LiveTraffic != nil {
			w(` "LiveTargetGroup=$live"`)
		}
		if st.DesiredCount != nil {
			w(` "DesiredCount=$count"`)
		}
	}
	if len(st.LogGroups) > 0 {
		w("\n  if ! stack_exists ", st.QName, " && log_groups_exist")
		for _, g := range st.LogGroups {
			w(" ", templates.ShellQuote(g))
		}
		w("; then\n    create_adopting ", st.QName, " ", st.QTemplate, " ")
		if st.S3Bucket {
			w(bucket)
		} else {
			w("''")
		}
		w(" ", templates.ShellQuote(strings.Join(st.Capabilities, " ")))
		overrides()
		w("\n  else")
	}
	deploy := "in_region cloudformation deploy"
	if st.Skippable {
		deploy = "deploy_template" // a stack taking its first DeployDigest is not polled every 30 s
	}
	w("\n  ", deploy, " \\",
		"\n    --stack-name ", st.QName, " \\",
		"\n    --template-file ", st.QTemplate, " \\")
	if st.S3Bucket {
		w("\n    --s3-bucket ", bucket, " \\")
	}
	if len(st.Capabilities) > 0 {
		w("\n    --capabilities")
		for _, c := range st.QCapabilities {
			w(" ", c)
		}
		w(" \\")
	}
	if len(st.ParameterOverrides) > 0 || st.LiveTraffic != nil || st.DesiredCount != nil {
		w("\n    --parameter-overrides")
		overrides()
		w(" \\")
	}
	w("\n    --tags ", d.QTagSystem, " ", d.QTagEnv, " \\",
		"\n    --no-fail-on-empty-changeset ||",
		"\n    settled ", st.QName)
	if len(st.LogGroups) > 0 {
		w("\n  fi")
	}
	if st.Release != nil {
		w("\n  ", release,
			"\n}\n",
			"\n# ", release, ": the CodeDeploy release of stack ", st.Name, ".",
			"\n", release, "() {")
		if err := out.Execute("deploy-release", st); err != nil {
			return err
		}
	}
	w("\n}\n")
	return nil
}
