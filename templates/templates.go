// Package templates holds the text templates of the scripts ecsgen writes (userdata, deploy
// script). Keeping them as files makes the shape of each script easy to read and review; the
// data they receive is already validated and every value that reaches the shell goes through
// shquote.
package templates

import (
	"bytes"
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
// is held until the build writes it, and the buffer it grew in has up to twice its length.
func Render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := parsed.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// ShellQuote quotes s for bash so that it is one word with exactly this content: nothing in it
// ($, `, \, ", newlines) is expanded. Plain words are left bare for readability.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
