// Package csvsafe keeps untrusted text from running as a formula when a
// CSV file is opened in a spreadsheet (OWASP "CSV injection").
package csvsafe

import "strings"

// Cell returns s as a CSV cell a spreadsheet shows as text: a value that
// starts with =, +, -, a tab or a carriage return gets a leading
// apostrophe. So does one starting with @ (Excel reads "@SUM(A1)" and
// "@cmd|' /C calc'!A0" as formulas), unless it is only a handle such as
// "@claire" or "@cafe@piaille.fr", which no spreadsheet evaluates.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '\t', '\r':
		return "'" + s
	case '@':
		if !handle(s) {
			return "'" + s
		}
	}
	return s
}

// handle reports whether s is made only of @ and the characters of a
// network handle (letters, digits, '_', '.', '-').
func handle(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return false
		}
		return !strings.ContainsRune("@_.-", r)
	})
}
