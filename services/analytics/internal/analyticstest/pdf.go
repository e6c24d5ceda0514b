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
// returns the text its pages show, one string per text operator, joined by
// newlines: literal strings decoded from Windows-1252, glyph ids through
// their font's ToUnicode map.
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
	// Objects, their streams inflated; fonts' ToUnicode maps by resource
	// name (one resource dictionary serves every page of these documents).
	objects := map[string][]byte{}
	streams := map[string][]byte{}
	for _, m := range regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)endobj`).FindAllSubmatch(b, -1) {
		objects[string(m[1])] = m[2]
		sm := regexp.MustCompile(`(?s)^<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream`).FindSubmatch(m[2])
		if sm == nil {
			continue
		}
		data := sm[2]
		if bytes.Contains(sm[1], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("stream %s: %v", m[1], err)
			}
			if data, err = io.ReadAll(r); err != nil {
				t.Fatalf("inflate %s: %v", m[1], err)
			}
		}
		streams[string(m[1])] = data
	}
	if len(streams) == 0 {
		t.Fatal("no stream")
	}
	fonts := map[string]map[uint16]rune{}
	for _, m := range regexp.MustCompile(`/(F\d+) (\d+) 0 R`).FindAllSubmatch(b, -1) {
		if tu := regexp.MustCompile(`/ToUnicode (\d+) 0 R`).FindSubmatch(objects[string(m[2])]); tu != nil {
			fonts[string(m[1])] = toUnicode(streams[string(tu[1])])
		}
	}
	// Page content streams, in page order.
	var text []string
	for _, kids := range regexp.MustCompile(`/Contents\s+(\d+) 0 R`).FindAllSubmatch(b, -1) {
		text = append(text, pdfStrings(streams[string(kids[1])], fonts)...)
	}
	return strings.Join(text, "\n")
}

// toUnicode reads a ToUnicode CMap's bfrange and bfchar entries.
func toUnicode(cmap []byte) map[uint16]rune {
	out := map[uint16]rune{}
	hex := func(b []byte) uint64 { n, _ := strconv.ParseUint(string(b), 16, 32); return n }
	for _, m := range regexp.MustCompile(`<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>`).FindAllSubmatch(cmap, -1) {
		lo, hi, to := hex(m[1]), hex(m[2]), hex(m[3])
		for c := lo; c <= hi; c++ {
			out[uint16(c)] = rune(to + c - lo)
		}
	}
	if i := bytes.Index(cmap, []byte("beginbfchar")); i >= 0 {
		for _, m := range regexp.MustCompile(`<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>`).FindAllSubmatch(cmap[i:], -1) {
			out[uint16(hex(m[1]))] = rune(hex(m[2]))
		}
	}
	return out
}

// pdfStrings returns the strings shown by the text operators of a content
// stream, decoded: literal strings in Windows-1252, hex strings (two-byte
// glyph ids) through the current font's ToUnicode map.
func pdfStrings(content []byte, fonts map[string]map[uint16]rune) []string {
	var out []string
	var font map[uint16]rune
	op := regexp.MustCompile(`/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|\[([^\]]*)\]\s*TJ`)
	for _, m := range op.FindAllSubmatch(content, -1) {
		switch {
		case m[1] != nil:
			font = fonts[string(m[1])]
		case m[2] != nil:
			out = append(out, decodeCP1252(unescapePDF(m[2])))
		default:
			var sb strings.Builder
			for _, h := range regexp.MustCompile(`<([0-9A-Fa-f]*)>`).FindAllSubmatch(m[3], -1) {
				for i := 0; i+4 <= len(h[1]); i += 4 {
					n, _ := strconv.ParseUint(string(h[1][i:i+4]), 16, 16)
					if r, ok := font[uint16(n)]; ok {
						sb.WriteRune(r)
					} else {
						sb.WriteRune('\uFFFD')
					}
				}
			}
			out = append(out, sb.String())
		}
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
