package ui

import (
	"net/url"
	"strconv"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// OnCall is the on-call screen's model: what a manager on a phone needs.
type OnCall struct {
	Page   Page
	Crises Crises
	Drafts []DraftCard
	// Problem says the drafts could not be read.
	Problem    string
	CanApprove bool
}

// DraftCard is a draft waiting for a decision, beside the message it
// answers (nil when analytics did not answer).
type DraftCard struct {
	Brand   string
	Draft   query.Draft
	Message *query.Interaction
	// Done: the card answers a decision just taken.
	Done bool
}

// reviewURL is where a card's approve or reject posts: the version read
// travels with it, so nobody approves a text they did not see.
func (d DraftCard) reviewURL(verb string) string {
	return "/oncall/" + verb + "?" + url.Values{"brand": {d.Brand}, "id": {d.Draft.Current.InteractionID},
		"version": {strconv.Itoa(d.Draft.Current.Version)}}.Encode()
}

// anchor is the card's element id.
func (d DraftCard) anchor() string { return "draft-" + crisisAnchor(d.Draft.Current.InteractionID) }

// detail is a failed check's detail after its name.
func detail(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
