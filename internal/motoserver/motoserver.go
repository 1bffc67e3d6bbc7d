// Package motoserver starts moto, the AWS emulator, for tests: on a free port of 127.0.0.1,
// with dummy credentials and a home directory of its own (no AWS config files of the user's),
// and stops exactly the process it started when the test ends. Nothing reaches the internet.
package motoserver

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running moto.
type Server struct {
	// Endpoint is its URL, for AWS_ENDPOINT_URL or --endpoint-url.
	Endpoint string
	home     string
	cmd      *exec.Cmd
	output   *buffer
	exited   chan struct{}
}

// Available reports why moto cannot be started here, or "" when it can.
func Available() string {
	if _, err := exec.LookPath("python3"); err != nil {
		return "python3 not found"
	}
	if out, err := exec.Command("python3", "-c", "import moto.server").CombinedOutput(); err != nil {
		return fmt.Sprintf("moto's server is not importable: %v: %s", err, bytes.TrimSpace(out))
	}
	return ""
}

// Start starts moto and registers its stop with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	home := t.TempDir()
	var last error
	for range 3 { // another process may take the free port between its choice and moto's bind
		s, err := start(home)
		if err == nil {
			t.Cleanup(s.stop)
			return s
		}
		last = err
	}
	t.Fatalf("starting moto: %v", last)
	return nil
}

func start(home string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), home: home, output: &buffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Env = s.Env("us-east-1")
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	// Ready when our process says it listens (so the port is ours) and the API answers.
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("moto on port %d exited: %s", port, s.output.String())
		default:
		}
		if !strings.Contains(s.output.String(), "Running on "+s.Endpoint) {
			continue
		}
		if resp, err := client.Get(s.Endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
	s.stop()
	return nil, fmt.Errorf("moto on port %d did not answer within 30 s: %s", port, s.output.String())
}

// Env is an environment for AWS clients (the SDK and the CLI) that talk to this moto only:
// dummy credentials, the region, the endpoint, and no config files of the user's.
func (s *Server) Env(region string) []string {
	keep := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		keep = append(keep, kv)
	}
	return append(keep,
		"HOME="+s.home,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_SESSION_TOKEN=testing",
		"AWS_REGION="+region, "AWS_DEFAULT_REGION="+region,
		"AWS_ENDPOINT_URL="+s.Endpoint,
		"AWS_CONFIG_FILE="+s.home+"/config", "AWS_SHARED_CREDENTIALS_FILE="+s.home+"/credentials",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	)
}

// Setenv points this process's AWS SDK clients at the server for the rest of the test.
func (s *Server) Setenv(t *testing.T, region string) {
	t.Helper()
	for _, kv := range s.Env(region) {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, v)
		}
	}
}

// Output is what moto printed, for a failing test's message.
func (s *Server) Output() string { return s.output.String() }

func (s *Server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
