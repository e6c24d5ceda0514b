// Package voice checks a brand's voice profile and says what it implies for
// one reply: the network's length limit, the address in French, the
// signature.
package voice

import (
	"fmt"
	"strings"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// DefaultMaxLength is the limit on a network the profile does not name:
// Mastodon's default of 500 characters.
const DefaultMaxLength = 500

// networkLimits are the networks' own limits, which a profile can only
// lower (X: 280, Bluesky: 300 graphemes, Mastodon: 500 by default).
var networkLimits = map[string]int{"x": 280, "twitter": 280, "bluesky": 300, "mastodon": 500}

// Default is the profile of a brand that saved none: polite French (vous),
// no emoji.
func Default() query.VoiceProfile {
	return query.VoiceProfile{Tone: "courteous, concise", Address: "vous", Emoji: "none"}
}

// Validate reports the first bad field of p, naming it.
func Validate(p query.VoiceProfile) error {
	switch {
	case p.Address != "tu" && p.Address != "vous":
		return fmt.Errorf("voice.address: %q, want tu or vous", p.Address)
	case p.Emoji != "none" && p.Emoji != "allowed":
		return fmt.Errorf("voice.emoji: %q, want none or allowed", p.Emoji)
	case len(p.Tone) > 500:
		return fmt.Errorf("voice.tone: longer than 500 characters")
	case p.FourEyesPriority < 0:
		return fmt.Errorf("voice.four_eyes_priority: must not be negative")
	}
	for lang, s := range p.Signature {
		if lang != "fr" && lang != "en" {
			return fmt.Errorf("voice.signature.%s: language must be fr or en", lang)
		}
		if len([]rune(s)) > 120 {
			return fmt.Errorf("voice.signature.%s: longer than 120 characters", lang)
		}
	}
	for n, l := range p.MaxLength {
		if l < 40 || l > 10000 {
			return fmt.Errorf("voice.max_length.%s: %d, want 40 to 10000", n, l)
		}
	}
	for i, d := range p.Domains {
		if d == "" || strings.ContainsAny(d, "/:@ ") || !strings.Contains(d, ".") {
			return fmt.Errorf("voice.domains[%d]: %q is not a domain name", i, d)
		}
	}
	for i, w := range p.Avoid {
		if strings.TrimSpace(w) == "" {
			return fmt.Errorf("voice.avoid[%d]: empty", i)
		}
	}
	return nil
}

// MaxLength is the reply length limit on network, in characters: the
// profile's (or its "default") within the network's own limit.
func MaxLength(p query.VoiceProfile, network string) int {
	limit := DefaultMaxLength
	if l, ok := p.MaxLength["default"]; ok {
		limit = l
	}
	if l, ok := p.MaxLength[network]; ok {
		limit = l
	}
	if l, ok := networkLimits[network]; ok && l < limit {
		limit = l
	}
	return limit
}

// FourEyes reports whether a draft of this priority needs two approvers.
func FourEyes(p query.VoiceProfile, priority int) bool {
	return p.FourEyes && priority >= p.FourEyesPriority
}
