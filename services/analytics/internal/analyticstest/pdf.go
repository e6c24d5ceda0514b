// Package analyticstest holds what the tests of analytics' packages share:
// reading back the text of a rendered report.
package analyticstest

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// PDFText checks that b is a well-formed PDF — header, trailer, a
// cross-reference table whose every entry points at its object — and
// returns the text its pages show, decoded from Windows-1252, one string
// per text operator, joined by newlines.
func PDFText(t testing.TB, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		t.Fatalf("no PDF header: %q", b[:min(len(b), 16)])
	}
	if !bytes.HasSuffix(bytes.TrimRight(b, "\r\n"), []byte("%%EOF")) {
		t.Fatal("no end-of-file trailer")
	}
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off >= len(b) || !bytes.HasPrefix(b[off:], []byte("xref")) {
		t.Fatalf("startxref %d does not point at the xref table", off)
	}
	xref := regexp.MustCompile(`^xref\s+(\d+) (\d+)\s+`).FindSubmatch(b[off:])
	if xref == nil {
		t.Fatal("malformed xref table")
	}
	first, _ := strconv.Atoi(string(xref[1]))
	count, _ := strconv.Atoi(string(xref[2]))
	entries := regexp.MustCompile(`(\d{10}) (\d{5}) ([nf])`).FindAllSubmatch(b[off:], count)
	if len(entries) != count {
		t.Fatalf("xref announces %d entries, has %d", count, len(entries))
	}
	for i, e := range entries {
		if string(e[3]) != "n" {
			continue
		}
		at, _ := strconv.Atoi(string(e[1]))
		want := strconv.Itoa(first+i) + " 0 obj"
		if at >= len(b) || !bytes.HasPrefix(b[at:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q, want %q", first+i, b[at:min(len(b), at+12)], want)
		}
	}
	if !bytes.Contains(b[off:], []byte("/Root")) {
		t.Fatal("trailer without /Root")
	}
	// Page content streams, inflated.
	var text []string
	streams := regexp.MustCompile(`(?s)<<([^>]*(?:>>[^>]*)?)>>\s*stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(b, -1)
	if len(streams) == 0 {
		t.Fatal("no stream")
	}
	for _, s := range streams {
		data := s[2]
		if bytes.Contains(s[1], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if data, err = io.ReadAll(r); err != nil {
				t.Fatalf("inflate: %v", err)
			}
		}
		text = append(text, pdfStrings(data)...)
	}
	return strings.Join(text, "\n")
}

// pdfStrings returns the strings shown by the Tj operators of a content
// stream, decoded.
func pdfStrings(content []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`).FindAllSubmatch(content, -1) {
		out = append(out, decodeCP1252(unescapePDF(m[1])))
	}
	return out
}

func unescapePDF(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(string(s[i:j]), 8, 8)
			out = append(out, byte(n))
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

func decodeCP1252(b []byte) string {
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}
