package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// Inbox is the inbox page: the filters as given, one page of items.
type Inbox struct {
	Brand  string
	Filter url.Values
	List   List
	// Members may be assigned an interaction (id → display name).
	Members []Member
	// Views are the viewer's saved views on the brand.
	Views []View
}

// View is a saved view: its name and the filter's query string.
type View struct{ Name, Query string }

// ViewURL is the inbox under a saved view.
func ViewURL(brand string, v View) string {
	if v.Query == "" {
		return BrandURL("/inbox", brand)
	}
	return BrandURL("/inbox", brand) + "&" + v.Query
}

// List is one page of the stream.
type List struct {
	Brand string
	Rows  []Row
	// More loads the next page ("" on the last one).
	More string
}

// Row is one interaction of the stream.
type Row struct {
	query.Interaction
	// Holder is who is answering it ("" when nobody claims it).
	Holder string
	// Mine is true when the viewer holds the claim.
	Mine bool
	// Decided is the decision just taken in this page ("" otherwise).
	Decided string
	// Fresh marks a row that arrived live.
	Fresh bool
	// Corrected are the labels moderators corrected: "+spam" added,
	// "-toxicity" removed.
	Corrected []string
}

// Member is a user who may be assigned work.
type Member struct{ ID, Name string }

// DOMID is the row's element id: a hash of the interaction id (network
// ids hold ':' and '/', awkward in selectors).
func DOMID(id string) string {
	h := sha256.Sum256([]byte(id))
	return "it-" + hex.EncodeToString(h[:8])
}

// Networks, kinds, statuses, sentiments and intents offered by the filters.
var (
	Networks   = []string{"generic", "sandbox", "mastodon", "bluesky", "facebook", "instagram", "youtube", "x"}
	Kinds      = []string{"comment", "reply", "mention", "dm", "review", "post", "listening_hit", "quote"}
	Statuses   = []string{query.StatusOpen, query.StatusResponded, query.StatusClosed}
	Sentiments = []string{"positive", "neutral", "negative", "sarcasm"}
	Intents    = []string{"question", "complaint", "praise", "purchase_intent", "other"}
	// Labels are offered by the label filter (any label may be typed).
	Labels = []string{"spam", "threat", "toxicity:high", "toxicity:medium", "toxicity:insult", "pii:email", "pii:phone", "lang:fr", "lang:en"}
	// Correctable are the labels the l key's picker corrects.
	Correctable = casev1.Correctable
)

// labelValue is the value of a "<prefix>:<value>" label ("" when absent).
func labelValue(labels []string, prefix string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, prefix+":"); ok {
			return v
		}
	}
	return ""
}

// riskLabels are the labels a moderator must see on the row before
// opening it: spam, a threat, toxicity and the kinds of personal data.
func riskLabels(labels []string) []string {
	var out []string
	for _, l := range labels {
		if l == "spam" || l == "threat" || strings.HasPrefix(l, "toxicity:") || strings.HasPrefix(l, "pii:") {
			out = append(out, l)
		}
	}
	return out
}

func sentimentClass(s string) string {
	switch s {
	case "negative", "sarcasm":
		return "badge neg"
	case "positive":
		return "badge pos"
	}
	return "badge"
}

// Ago is a short relative time ("5 min", "3 h", "2 d").
func Ago(ctx context.Context, t time.Time) string {
	d := now(ctx).Sub(t)
	switch {
	case d < time.Minute:
		return T(ctx, "time.now")
	case d < time.Hour:
		return T(ctx, "time.min", int(d.Minutes()))
	case d < 48*time.Hour:
		return T(ctx, "time.hour", int(d.Hours()))
	}
	return T(ctx, "time.day", int(d.Hours()/24))
}

func author(i query.Interaction) string {
	switch {
	case i.AuthorName != "" && i.AuthorHandle != "":
		return i.AuthorName + " (@" + strings.TrimPrefix(i.AuthorHandle, "@") + ")"
	case i.AuthorName != "":
		return i.AuthorName
	case i.AuthorHandle != "":
		return "@" + strings.TrimPrefix(i.AuthorHandle, "@")
	}
	return i.AuthorID
}

func itoa(n int) string { return strconv.Itoa(n) }

func selectedIn(v url.Values, name, value string) bool {
	for _, x := range v[name] {
		for _, y := range strings.Split(x, ",") {
			if y == value {
				return true
			}
		}
	}
	return false
}
