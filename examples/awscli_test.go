package examples_test

// The AWS CLI, run in long-lived processes. Starting `aws` costs about a second of CPU
// (Python, botocore and the service models) and the gate makes hundreds of calls, so most of
// its time went into starting interpreters. A driver process runs the real CLI — awscli's
// clidriver, the code behind the `aws` command, with its parameter validation, file://
// handling, customizations (cloudformation deploy, waiters) and output formatting — once per
// call, for many calls. Calls are independent: each passes --endpoint-url, --region and
// --output, which is all the state clidriver keeps between them.
//
// Each call also names a moto account (the x-moto-account-id header, which moto reads before
// the access key): examples judged at the same time on one moto server each use accounts of
// their own, so no call sees another's resources and nothing needs a reset.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// awsDriverPy runs one AWS CLI call per line of stdin ({"args": [...], "account": "…"}) and
// answers each with one line ({"rc": …, "stdout": "…", "stderr": "…"}).
const awsDriverPy = `
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver

driver = create_clidriver()
account = {"id": ""}

def add_account(request, **kwargs):
    if account["id"]:
        request.headers["x-moto-account-id"] = account["id"]

driver.session.register("before-send", add_account)
protocol = sys.stdout
for line in sys.stdin:
    req = json.loads(line)
    account["id"] = req.get("account", "")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = driver.main(req["args"])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        except Exception as e:
            print("driver: %s: %s" % (type(e).__name__, e), file=sys.stderr)
            rc = 255
    protocol.write(json.dumps({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
    protocol.flush()
`

type awsRequest struct {
	Args    []string `json:"args"`
	Account string   `json:"account,omitempty"`
}

type awsResponse struct {
	RC     int    `json:"rc"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// awsDriver is one driver process.
type awsDriver struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *lockedBuffer // the driver's own messages (the CLI's go into each response)
	exited chan struct{}
}

// awsDrivers is a pool of driver processes: at most max run calls at once.
type awsDrivers struct {
	env  []string
	dir  string
	max  int
	mu   sync.Mutex
	idle []*awsDriver
	all  map[*awsDriver]bool
	sem  chan struct{}
}

func newAWSDrivers(env []string, dir string, max int) *awsDrivers {
	return &awsDrivers{env: env, dir: dir, max: max, all: map[*awsDriver]bool{}, sem: make(chan struct{}, max)}
}

func (p *awsDrivers) start() (*awsDriver, error) {
	cmd := exec.Command("python3", "-c", awsDriverPy)
	cmd.Env = p.env
	cmd.Dir = p.dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &awsDriver{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 1<<20), stderr: stderr, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.exited) }()
	return d, nil
}

// call runs the AWS CLI with args in account, and gives up after timeout (then the driver is
// stopped and a new one takes its place on the next call).
func (p *awsDrivers) call(account string, args []string, timeout time.Duration) (awsResponse, error) {
	p.sem <- struct{}{}
	defer func() { <-p.sem }()
	p.mu.Lock()
	var d *awsDriver
	if n := len(p.idle); n > 0 {
		d, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.mu.Unlock()
	if d == nil {
		var err error
		if d, err = p.start(); err != nil {
			return awsResponse{}, fmt.Errorf("starting the AWS CLI driver: %v", err)
		}
		p.mu.Lock()
		p.all[d] = true
		p.mu.Unlock()
	}
	line, err := json.Marshal(awsRequest{Args: args, Account: account})
	if err != nil {
		return awsResponse{}, err
	}
	type result struct {
		resp awsResponse
		err  error
	}
	done := make(chan result, 1)
	go func() {
		if _, err := d.stdin.Write(append(line, '\n')); err != nil {
			done <- result{err: err}
			return
		}
		b, err := d.stdout.ReadBytes('\n')
		if err != nil {
			done <- result{err: err}
			return
		}
		var r awsResponse
		done <- result{r, json.Unmarshal(b, &r)}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			p.stop(d)
			return awsResponse{}, fmt.Errorf("the AWS CLI driver failed: %v\n%s", r.err, tail(d.stderr.String(), 2000))
		}
		p.mu.Lock()
		p.idle = append(p.idle, d)
		p.mu.Unlock()
		return r.resp, nil
	case <-time.After(timeout):
		p.stop(d)
		return awsResponse{}, errors.New("timed out after " + timeout.String())
	}
}

// stop ends one driver: exactly the process this pool started.
func (p *awsDrivers) stop(d *awsDriver) {
	p.mu.Lock()
	delete(p.all, d)
	p.mu.Unlock()
	_ = d.stdin.Close() // the driver ends at the end of its input
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
		terminate(d.cmd, d.exited)
	}
}

// close stops every driver.
func (p *awsDrivers) close() {
	p.mu.Lock()
	var all []*awsDriver
	for d := range p.all {
		all = append(all, d)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, d := range all {
		p.stop(d)
	}
}
