package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// Item is one interaction beside the stream: its thread, its author's
// history, the replies sent, who is answering it.
type Item struct {
	Brand  string
	Detail query.InteractionDetail
	Lock   Lock
	// Members may be assigned the interaction.
	Members []Member
	// Can says which actions the viewer's role allows.
	Can Can
}

// Lock is the claim on an interaction's case.
type Lock struct {
	Brand, ID string
	// Holder is the display name of who holds the claim ("" for nobody).
	Holder string
	Mine   bool
	Until  time.Time
}

// Can lists what the viewer may do on the brand.
type Can struct {
	Decide, Work, Draft, Approve bool
}

// Decision is a decision just recorded, shown in its row (out of band).
type Decision struct {
	ID, Decision string
}

// vals is an hx-vals attribute: JSON built here, so an id with quotes
// stays a value.
func vals(kv ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// safeLink is an interaction's link when it is http(s), "" otherwise (a
// javascript: or data: URL from a network is never a link).
func safeLink(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// SLA is the countdown of a due time: the text and whether it is late.
func SLA(ctx context.Context, due time.Time) (string, bool) {
	d := due.Sub(now(ctx))
	if d < 0 {
		return T(ctx, "item.sla.late", short(-d)), true
	}
	return T(ctx, "item.sla.due", short(d)), false
}

func short(d time.Duration) string {
	switch {
	case d < time.Hour:
		return itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return itoa(int(d.Hours())) + " h " + itoa(int(d.Minutes())%60) + " min"
	}
	return itoa(int(d.Hours()/24)) + " d"
}

// decisionLabel is a decision in the viewer's language.
func decisionLabel(ctx context.Context, d string) string {
	return T(ctx, "decision."+d)
}

func uintStr(n uint64) string { return itoa(int(n)) }

// Shown is network text as the workspace shows it: bidirectional
// controls (embeddings, overrides, isolates: U+202A–U+202E, U+2066–U+2069)
// become visible marks such as [U+202E], so an override cannot disguise
// a text ("gnp.exe" shown as "exe.png"). Everything else is left as
// written; templ escapes it.
func Shown(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isBidiControl(r) {
			fmt.Fprintf(&b, "[U+%04X]", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
