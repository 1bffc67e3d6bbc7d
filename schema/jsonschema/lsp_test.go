package jsonschema

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// lspClient speaks the Language Server Protocol (JSON-RPC 2.0 with Content-Length framing)
// to a language server run as a child process over stdio: just what a test needs to open a
// document, read its diagnostics and ask for completions, with every wait bounded.
type lspClient struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	wmu    sync.Mutex
	nextID int

	mu          sync.Mutex
	pending     map[int]chan lspMessage
	diagnostics map[string][]lspDiagnostic // by document URI, the latest published
	diagSignal  chan struct{}              // closed and replaced at each publishDiagnostics
	done        chan struct{}              // closed when the server's output ends
	// settings answers the server's workspace/configuration requests, by section.
	settings map[string]any
}

type lspMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

type lspPosition struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

type lspDiagnostic struct {
	Range struct {
		Start lspPosition `json:"start"`
		End   lspPosition `json:"end"`
	} `json:"range"`
	Severity int    `json:"severity"`
	Message  string `json:"message"`
	Source   string `json:"source"`
}

type lspCompletionItem struct {
	Label         string          `json:"label"`
	Kind          int             `json:"kind"`
	Documentation json.RawMessage `json:"documentation"`
	InsertText    string          `json:"insertText"`
}

// documentation is the item's documentation as text, whether the server sent a string or
// MarkupContent.
func (c lspCompletionItem) documentation() string {
	var s string
	if json.Unmarshal(c.Documentation, &s) == nil {
		return s
	}
	var m struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	}
	_ = json.Unmarshal(c.Documentation, &m)
	return m.Value
}

// startLSP starts the server command; it is killed when the test ends.
func startLSP(t *testing.T, settings map[string]any, name string, args ...string) *lspClient {
	t.Helper()
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &lspClient{
		t: t, cmd: cmd, stdin: stdin,
		pending:     map[int]chan lspMessage{},
		diagnostics: map[string][]lspDiagnostic{},
		diagSignal:  make(chan struct{}),
		done:        make(chan struct{}),
		settings:    settings,
	}
	go c.read(bufio.NewReader(stdout))
	t.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
		}
		_ = cmd.Process.Kill() // exactly the server this test started
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%s stderr:\n%s", name, stderr.String())
		}
	})
	return c
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) < 1<<16 {
		b.buf = append(b.buf, p...)
	}
	return len(p), nil
}

func (b *lockedBuffer) Len() int       { b.mu.Lock(); defer b.mu.Unlock(); return len(b.buf) }
func (b *lockedBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return string(b.buf) }

func (c *lspClient) read(r *bufio.Reader) {
	defer close(c.done)
	tp := textproto.NewReader(r)
	for {
		header, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		n, err := strconv.Atoi(header.Get("Content-Length"))
		if err != nil {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m lspMessage
		if json.Unmarshal(body, &m) != nil {
			continue
		}
		switch {
		case m.Method != "" && m.ID != nil:
			c.answer(m)
		case m.Method == "textDocument/publishDiagnostics":
			var p struct {
				URI         string          `json:"uri"`
				Diagnostics []lspDiagnostic `json:"diagnostics"`
			}
			if json.Unmarshal(m.Params, &p) == nil {
				c.mu.Lock()
				c.diagnostics[p.URI] = p.Diagnostics
				close(c.diagSignal)
				c.diagSignal = make(chan struct{})
				c.mu.Unlock()
			}
		case m.Method == "":
			id, err := strconv.Atoi(string(m.ID))
			if err != nil {
				continue
			}
			c.mu.Lock()
			ch := c.pending[id]
			delete(c.pending, id)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
	}
}

// answer replies to a request from the server: the settings it pulls, null to the rest
// (capability registration, progress tokens).
func (c *lspClient) answer(m lspMessage) {
	var result any
	if m.Method == "workspace/configuration" {
		var p struct {
			Items []struct {
				Section string `json:"section"`
			} `json:"items"`
		}
		_ = json.Unmarshal(m.Params, &p)
		out := make([]any, len(p.Items))
		for i, it := range p.Items {
			out[i] = c.settings[it.Section]
		}
		result = out
	}
	c.send(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
}

func (c *lspClient) send(msg any) {
	body, err := json.Marshal(msg)
	if err != nil {
		c.t.Errorf("lsp: %v", err)
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := fmt.Fprintf(c.stdin, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		c.t.Errorf("lsp: writing to the server: %v", err)
	}
}

func (c *lspClient) notify(method string, params any) {
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// call sends a request and decodes its result into out, waiting at most until ctx ends.
func (c *lspClient) call(ctx context.Context, method string, params, out any) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan lspMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(m.Result, out)
	case <-c.done:
		return fmt.Errorf("%s: the server exited", method)
	case <-ctx.Done():
		return fmt.Errorf("%s: no answer: %w", method, ctx.Err())
	}
}

// waitDiagnostics waits until the server publishes diagnostics for uri that satisfy ok, and
// returns the last ones published.
func (c *lspClient) waitDiagnostics(ctx context.Context, uri string, ok func([]lspDiagnostic) bool) ([]lspDiagnostic, error) {
	for {
		c.mu.Lock()
		d, published := c.diagnostics[uri]
		signal := c.diagSignal
		c.mu.Unlock()
		if published && ok(d) {
			return d, nil
		}
		select {
		case <-signal:
		case <-c.done:
			return d, fmt.Errorf("the server exited")
		case <-ctx.Done():
			return d, fmt.Errorf("diagnostics of %s: %w", uri, ctx.Err())
		}
	}
}
