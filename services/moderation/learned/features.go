package learned

import (
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Features are hashed: every word unigram and bigram, every character
// n-gram of a word (the word padded with a space on each side) and a few
// shape features fall into one of 1<<Bits buckets. The folding, the
// n-gram ranges and the hash are part of the model: weights trained with one
// set of them mean nothing with another.
const (
	charMin = 2
	charMax = 5
	// maxText is how many bytes of a text are read: the rest of a very long
	// comment adds nothing to its labels.
	maxText = 2048
)

// Kinds of feature, mixed into the hash so that the word "ok" and the
// character bigram "ok" are different features.
const (
	kindWord uint32 = iota + 1
	kindBigram
	kindChar
	kindShape
)

const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

func hashBytes(h uint32, b []byte) uint32 {
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

func hashKind(k uint32) uint32 { return (fnvOffset ^ k) * fnvPrime }

// foldRune lower-cases r and strips the accents of Latin letters; it returns
// 0 for a separator (space, punctuation other than the kept marks).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		case r == '!' || r == '?' || r == '$' || r == '@' || r == '#' || r == '%':
			return r
		}
		return 0
	}
	if f, ok := latin[r]; ok {
		return f
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) {
		return unicode.ToLower(r)
	}
	if r == '€' || r == '£' {
		return '$'
	}
	return 0
}

var latin = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåÀÁÂÃÄÅ", 'c': "çÇ", 'e': "èéêëÈÉÊËœŒæÆ", 'i': "ìíîïÌÍÎÏ", 'n': "ñÑ",
		'o': "òóôõöÒÓÔÕÖø", 'u': "ùúûüÙÚÛÜ", 'y': "ýÿÝŸ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// extract calls emit with the bucket of every feature of text, and returns
// how many it emitted. It allocates nothing.
func extract(text string, mask uint32, emit func(bucket uint32)) int {
	var buf [maxText + 8]byte
	// Fold into buf: words separated by single spaces, a leading and a
	// trailing space; URLs become the word "httpurl", runs of digits keep
	// their length as "0"s (capped); letters in capitals are counted.
	n := 0
	buf[n] = ' '
	n++
	upper, letters, bangs := 0, 0, 0
	rest := text
	if len(rest) > maxText {
		rest = rest[:maxText]
	}
	for len(rest) > 0 && n < maxText {
		if hasURLPrefix(rest) {
			i := 0
			for i < len(rest) && rest[i] != ' ' && rest[i] != '\n' && rest[i] != '\t' {
				i++
			}
			rest = rest[i:]
			if buf[n-1] != ' ' {
				buf[n] = ' '
				n++
			}
			n += copy(buf[n:], "httpurl ")
			continue
		}
		r, size := utf8.DecodeRuneInString(rest)
		rest = rest[size:]
		if unicode.IsUpper(r) {
			upper++
		}
		if unicode.IsLetter(r) {
			letters++
		}
		if r == '!' {
			bangs++
		}
		f := foldRune(r)
		if f == 0 {
			if buf[n-1] != ' ' {
				buf[n] = ' '
				n++
			}
			continue
		}
		if f >= '0' && f <= '9' {
			f = '0'
		}
		if f < utf8.RuneSelf {
			buf[n] = byte(f)
			n++
		} else {
			n += utf8.EncodeRune(buf[n:], f)
		}
	}
	if buf[n-1] != ' ' {
		buf[n] = ' '
		n++
	}
	s := buf[:n]
	count := 0
	put := func(h uint32) {
		emit(h & mask)
		count++
	}
	var prev uint32
	havePrev := false
	words := 0
	for i := 1; i < len(s); {
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		word := s[i:j]
		words++
		w := hashBytes(hashKind(kindWord), word)
		put(w)
		if havePrev {
			put((prev*fnvPrime^w)*fnvPrime ^ kindBigram)
		}
		prev, havePrev = w, true
		// character n-grams over " word ", by runes
		padded := s[i-1 : j+1]
		if len(word) <= 64 {
			for a := 0; a < len(padded); {
				b := a
				for k := 1; k <= charMax && b < len(padded); k++ {
					_, sz := utf8.DecodeRune(padded[b:])
					b += sz
					if k >= charMin {
						put(hashBytes(hashKind(kindChar), padded[a:b]))
					}
				}
				_, sz := utf8.DecodeRune(padded[a:])
				a += sz
				if a >= len(padded)-1 {
					break
				}
			}
		}
		i = j + 1
	}
	if letters >= 8 {
		put(hashKind(kindShape) ^ uint32(min(upper*4/letters, 3)))
	}
	put(hashKind(kindShape) ^ (16 + uint32(min(bangs, 3))))
	// the length in words, bucketed: short texts have few features, each
	// weighing more, and a head learns here how far a short text leans
	// (a fan's "Je viens de commander" is no threat)
	put(hashKind(kindShape) ^ (32 + lengthBucket(words)))
	return count
}

// lengthBucket is n words as one of 7 buckets: 1, 2, 3, 4–5, 6–8, 9–14,
// more.
func lengthBucket(n int) uint32 {
	for i, upTo := range []int{1, 2, 3, 5, 8, 14} {
		if n <= upTo {
			return uint32(i)
		}
	}
	return 6
}

func hasURLPrefix(s string) bool {
	for _, p := range []string{"http://", "https://", "www."} {
		if len(s) >= len(p) && equalFoldASCII(s[:len(p)], p) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

func sigmoid(z float64) float64 { return 1 / (1 + exp(-z)) }

// exp is e^x by basic IEEE operations only: math.Exp runs assembly on
// amd64 that uses FMA where the CPU has it, so its last bit, and through
// training the shipped weights, would depend on the machine.
func exp(x float64) float64 {
	x = max(-700, min(700, x))
	// ln 2 in two parts (Cody and Waite): k*ln2Hi is exact for |k| < 2^11
	const (
		ln2   = 0.6931471805599453
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
	)
	k := math.Round(x / ln2)
	r := float64(float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo)) // |r| <= ln2/2
	// Taylor series to r^13: the error is below 1e-16 on |r| <= 0.35
	p := 1.0
	for i := 13; i >= 1; i-- {
		p = float64(1 + float64(float64(r/float64(i))*p))
	}
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}

// Features returns the distinct features of text (word uni- and bigrams,
// character n-grams, shape), hashed on 32 bits and sorted: the model's view
// of a text, with which package feedback measures how alike two texts are.
func Features(text string) []uint32 {
	var out []uint32
	extract(text, ^uint32(0), func(b uint32) { out = append(out, b) })
	slices.Sort(out)
	return slices.Compact(out)
}
