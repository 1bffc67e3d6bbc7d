// Package templates holds the text templates of the scripts ecsgen writes (userdata, deploy
// script, the rare parts of deploy.sh's function per stack). Keeping them as files makes the
// shape of each script easy to read and review; the data they receive is already validated and every value that reaches the shell goes through
// shquote (ShellQuote), in the template or, for the values deploy.sh writes for each of many
// stacks, in the generator before (fields named Q…).
package templates

import (
	"embed"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

var parsed = template.Must(template.New("").Funcs(template.FuncMap{
	"shquote": ShellQuote,
	"join":    strings.Join,
}).ParseFS(files, "*.tmpl"))

// Render executes the named template with data. The script is returned at its exact size: it
// is held until the build writes it. It is written in chunks and copied once into a slice of
// its size: a buffer grown by doubling to the megabytes of a large spec's deploy.sh cleared
// and copied its bytes at every doubling, and then once more to return them at their size.
func Render(name string, data any) ([]byte, error) {
	var w Writer
	if err := w.Execute(name, data); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// Writer is a file being rendered: templates executed into it, and the parts between them
// that a generator writes itself (deploy.sh's function per stack), without copying them into
// a string first.
type Writer struct{ c chunks }

// Execute writes the named template, executed with data.
func (w *Writer) Execute(name string, data any) error {
	return parsed.ExecuteTemplate(&w.c, name, data)
}

func (w *Writer) Write(p []byte) (int, error) { return w.c.Write(p) }

func (w *Writer) WriteString(s string) (int, error) { return w.c.WriteString(s) }

// Bytes are the bytes written, in one slice of their size.
func (w *Writer) Bytes() []byte { return w.c.bytes() }

// chunks is a writer into chunks of chunkSize bytes or more, joined at the end.
type chunks struct {
	full [][]byte // chunks filled
	cur  []byte   // the chunk being filled
	n    int      // bytes written
}

const chunkSize = 64 << 10

func (c *chunks) Write(p []byte) (int, error) {
	c.room(len(p))
	c.cur = append(c.cur, p...)
	return len(p), nil
}

func (c *chunks) WriteString(s string) (int, error) {
	c.room(len(s))
	c.cur = append(c.cur, s...)
	return len(s), nil
}

// room makes room for n more bytes in the current chunk, starting a new one if need be.
func (c *chunks) room(n int) {
	c.n += n
	if len(c.cur)+n > cap(c.cur) {
		if len(c.cur) > 0 {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]byte, 0, max(chunkSize, n))
	}
}

// bytes are the bytes written, in one slice of their size.
func (c *chunks) bytes() []byte {
	out := make([]byte, 0, c.n)
	for _, b := range c.full {
		out = append(out, b...)
	}
	return append(out, c.cur...)
}

// ShellQuote quotes s for bash so that it is one word with exactly this content: nothing in it
// ($, `, \, ", newlines) is expanded. Plain words are left bare for readability.
func ShellQuote(s string) string {
	if s != "" && isPlainWord(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plainWordChars are the bytes a word may hold and stay bare: no shell syntax.
const plainWordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+"

// plainByte[c] says c is one of plainWordChars: a table built once, where strings.Trim with
// the same cutset built its set on every call, about half of deploy.sh's quoting of its
// thousands of names.
var plainByte = func() (t [256]bool) {
	for i := range len(plainWordChars) {
		t[plainWordChars[i]] = true
	}
	return t
}()

func isPlainWord(s string) bool {
	for i := range len(s) {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}
