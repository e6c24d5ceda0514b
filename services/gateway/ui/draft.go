package ui

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// Reply is the reply panel of one interaction: its draft (nil while there
// is none), what was sent and where it stands on the network.
type Reply struct {
	Brand, ID string
	Draft     *query.Draft
	// Publication is the approved reply's publish request (nil before
	// approval, or until publishing has it).
	Publication *query.Publication
	Can         Can
	// Me is the viewer's id (four-eyes: one approval per person).
	Me string
	// Names are display names of the approvers and editors by id.
	Names map[string]string
	// Compact is the panel as a row of the review queue.
	Compact bool
}

// Review is the review queue: drafts waiting for a first or a second
// approval (four-eyes).
type Review struct {
	Brand  string
	Drafts []Reply
}

func (r Reply) approvedByMe() bool {
	return r.Draft != nil && slices.Contains(r.Draft.Approvers, r.Me)
}

// settled tells a publication no longer moving (published, failed...).
func (r Reply) settled() bool {
	if r.Publication == nil {
		return false
	}
	for _, t := range r.Publication.Targets {
		if t.State == "queued" || t.State == "sending" || t.State == "reconciling" {
			return false
		}
	}
	return len(r.Publication.Targets) > 0
}

func (r Reply) name(id string) string {
	if n, ok := r.Names[id]; ok {
		return n
	}
	return id
}

// drafter says who wrote the current version: the drafter, or the
// person who edited it.
func (r Reply) drafter(ctx context.Context) string {
	if id, ok := strings.CutPrefix(r.Draft.Current.Drafter, "human:"); ok {
		return T(ctx, "draft.editedby", r.name(id))
	}
	return r.Draft.Current.Drafter
}

func percent(f float64) string { return fmt.Sprintf("%.0f %%", f*100) }

func (r Reply) panelID() string { return "reply-" + DOMID(r.ID) }

// SavedReply is a saved reply as the panel offers it.
type SavedReply struct {
	ID, Lang, Text string
}

// variable is a saved reply's variable, {{name}} (drafting's syntax).
var variable = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)

// FillVariables puts the known values in a saved reply's variables and
// leaves the others for the moderator to fill.
func FillVariables(text string, vars map[string]string) string {
	return variable.ReplaceAllStringFunc(text, func(m string) string {
		if v := vars[variable.FindStringSubmatch(m)[1]]; v != "" {
			return v
		}
		return m
	})
}
