package voice_test

import (
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/drafting/voice"
)

func TestMaxLength(t *testing.T) {
	p := query.VoiceProfile{MaxLength: map[string]int{"default": 400, "x": 1000, "mastodon": 200}}
	for network, want := range map[string]int{"x": 280, "mastodon": 200, "bluesky": 300, "linkedin": 400} {
		if got := voice.MaxLength(p, network); got != want {
			t.Errorf("MaxLength(%s) = %d, want %d", network, got, want)
		}
	}
	if got := voice.MaxLength(voice.Default(), "facebook"); got != voice.DefaultMaxLength {
		t.Errorf("default = %d", got)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	ok := voice.Default()
	if err := voice.Validate(ok); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, field string
		mutate      func(*query.VoiceProfile)
	}{
		{"address", "voice.address", func(p *query.VoiceProfile) { p.Address = "toi" }},
		{"emoji", "voice.emoji", func(p *query.VoiceProfile) { p.Emoji = "lots" }},
		{"signature_language", "voice.signature.de", func(p *query.VoiceProfile) { p.Signature = map[string]string{"de": "x"} }},
		{"max_length", "voice.max_length.x", func(p *query.VoiceProfile) { p.MaxLength = map[string]int{"x": 5} }},
		{"domain", "voice.domains[0]", func(p *query.VoiceProfile) { p.Domains = []string{"https://cafe.fr"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.mutate(&p)
			if err := voice.Validate(p); err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want it to name %s", err, tc.field)
			}
		})
	}
}

func TestFourEyes(t *testing.T) {
	p := query.VoiceProfile{FourEyes: true, FourEyesPriority: 70}
	if voice.FourEyes(p, 50) || !voice.FourEyes(p, 70) || voice.FourEyes(query.VoiceProfile{}, 99) {
		t.Fatal("four-eyes disagrees with its threshold")
	}
}
