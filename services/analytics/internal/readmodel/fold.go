package readmodel

import "strings"

// foldClasses fold French (and common Latin) accents and ligatures to plain
// letters. The same table builds the SQL expression and the Go function, so
// that a needle folded in Go matches a text folded by ClickHouse.
// ClickHouse 18.16 has no Unicode normalisation nor translateUTF8; chained
// replaceRegexpAll over lowerUTF8 exists on every version.
var foldClasses = []struct{ to, from string }{
	{"a", "àâäáãåā"}, {"e", "éèêëē"}, {"i", "îïíìī"}, {"o", "ôöóòõō"}, {"u", "ùûüúū"},
	{"c", "ç"}, {"y", "ÿý"}, {"n", "ñ"}, {"oe", "œ"}, {"ae", "æ"}, {"ss", "ß"},
}

// foldReplacer applies foldClasses to lower-case text.
var foldReplacer = func() *strings.Replacer {
	var pairs []string
	for _, c := range foldClasses {
		for _, r := range c.from {
			pairs = append(pairs, string(r), c.to)
		}
	}
	return strings.NewReplacer(pairs...)
}()

// Fold lower-cases s and removes its accents, as FoldSQL does in ClickHouse.
func Fold(s string) string { return foldReplacer.Replace(strings.ToLower(s)) }

// FoldSQL is the ClickHouse expression folding column like Fold.
func FoldSQL(column string) string {
	expr := "lowerUTF8(" + column + ")"
	for _, c := range foldClasses {
		class := c.from
		if len([]rune(class)) > 1 {
			class = "[" + class + "]"
		}
		expr = "replaceRegexpAll(" + expr + ", '" + class + "', '" + c.to + "')"
	}
	return expr
}
