package gate

import "strings"

// Precondition names a hand-written necessary condition. A name rather
// than a func value: a text passed to a func value escapes to the heap, and
// Classify's would be allocated on every call.
type Precondition uint8

const (
	None          Precondition = iota
	AtWord                     // hasAtWord: pii's obfuscated e-mail address
	DigitRun                   // hasDigitRun: pii's phone numbers and cards
	LettersDigits              // hasLettersDigits: pii's IBANs
	Amount                     // hasAmount: moderation classify's money per day
)

// holds reports whether the condition p names holds on t.
func (p Precondition) holds(t *Text) bool {
	switch p {
	case AtWord:
		return hasAtWord(t)
	case DigitRun:
		return hasDigitRun(t)
	case LettersDigits:
		return hasLettersDigits(t)
	case Amount:
		return hasAmount(t)
	}
	return true
}

// The conditions each restate, more cheaply, a necessity of one expression
// of pii or of moderation's classify: they must change with it, and the
// gate tests of those packages say whether they still hold.

// hasDigitRun reports a run of at least 7 bytes of digits and separators
// (the class of the digit run expression) that starts and ends with a
// digit: the expression needs one.
func hasDigitRun(t *Text) bool {
	s := t.s
	first := -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if first < 0 {
				first = i
			} else if i-first+1 >= 7 {
				return true
			}
		case c == ' ' || c == '\t' || c == '(' || c == ')' || c == '.' || c == '-' || c == '/':
		default:
			first = -1
		}
	}
	return false
}

// hasAtWord reports what the obfuscated e-mail expression needs: a
// bracketed at ("[at]", "(@)"), or "at" or "arobase" as a word between white space (\s is ASCII),
// followed somewhere by a dot ("." "dot" "point") then, past white space or
// a closing bracket, a top-level domain of the expression. " at " alone is
// in most English sentences.
func hasAtWord(t *Text) bool {
	f := t.fold()
	for _, b := range []string{"[AT]", "(AT)", "{AT}", "[@]", "(@)"} {
		if i := strings.Index(f, b); i >= 0 && dotThenTLD(f[i+len(b):]) {
			return true
		}
	}
	for _, w := range []string{"AT", "AROBASE"} {
		for i := 0; ; {
			k := strings.Index(f[i:], w)
			if k < 0 {
				break
			}
			start, end := i+k, i+k+len(w)
			if start > 0 && isSpace(f[start-1]) && end < len(f) && isSpace(f[end]) && dotThenTLD(f[end:]) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

// obfuscatedTLDs are the domains the obfuscated e-mail expression ends
// with, in foldKey form.
var obfuscatedTLDs = []string{"COM", "FR", "NET", "ORG", "BE", "CH", "CA", "IO", "CO", "UK", "DE", "EU", "INFO", "ME"}

// dotThenTLD reports a dot separator in f followed by one of obfuscatedTLDs.
func dotThenTLD(f string) bool {
	for i := 0; i < len(f); i++ {
		var rest string
		switch {
		case f[i] == '.':
			rest = f[i+1:]
		case strings.HasPrefix(f[i:], "DOT"):
			rest = f[i+3:]
		case strings.HasPrefix(f[i:], "POINT"):
			rest = f[i+5:]
		default:
			continue
		}
		rest = strings.TrimLeft(rest, " \t\n\f\r\v])}")
		for _, tld := range obfuscatedTLDs {
			if strings.HasPrefix(rest, tld) {
				return true
			}
		}
	}
	return false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v'
}

// hasLettersDigits reports two letters then two digits (the IBAN
// expression needs them). Under (?i) a letter can be a non-ASCII rune (the
// Kelvin sign reads as k), so any byte of a multi-byte rune counts as a
// letter.
func hasLettersDigits(t *Text) bool {
	s := t.s
	letter := func(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80 }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 2; i+1 < len(s); i++ {
		if digit(s[i]) && digit(s[i+1]) && letter(s[i-1]) && letter(s[i-2]) {
			return true
		}
	}
	return false
}

// hasAmount reports what the money rate expression needs: a number ("500",
// "1 000,50") right before a currency or a thousand ("€", "$", "euros",
// "k", "dollars").
func hasAmount(t *Text) bool {
	f := t.fold()
	for i := 0; i < len(f); i++ {
		if f[i] < '0' || f[i] > '9' {
			continue
		}
		j := i + 1
		for j < len(f) && strings.IndexByte("0123456789 \t\n\f\r\v.,", f[j]) >= 0 {
			j++
		}
		for _, c := range []string{"€", "$", "EURO", "K", "DOLLAR"} {
			if strings.HasPrefix(f[j:], c) {
				return true
			}
		}
		i = j - 1
	}
	return false
}
