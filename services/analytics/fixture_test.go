package analytics

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/ruche-project/ruche/events"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	community "github.com/ruche-project/ruche/events/community/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	privacyv1 "github.com/ruche-project/ruche/events/privacy/v1"
	publish "github.com/ruche-project/ruche/events/publish/v1"
	reply "github.com/ruche-project/ruche/events/reply/v1"
)

// dataset is a seeded set of events for one test, published as ingest,
// moderation, publishing and the connectors would.
type dataset struct {
	events []events.Event
	brands []string
}

// in is an interaction of the dataset.
type in struct {
	network, kind, id, thread, author, text string
	followers                               int64
	at                                      time.Time
}

func (d *dataset) interaction(brand string, x in) interaction.Received {
	if x.network == "" {
		x.network = "mastodon"
	}
	r := interaction.Received{
		ID: interaction.InteractionID(x.network, x.id), Brand: brand, Network: x.network, Account: "@" + brand,
		Kind: interaction.Kind(x.kind), PlatformID: x.id, ThreadID: x.thread,
		Author: interaction.Author{ID: x.author, Handle: "@" + x.author, DisplayName: strings.ToUpper(x.author), Followers: x.followers},
		Text:   x.text, Lang: "fr", CreatedAt: x.at, ReceivedAt: x.at.Add(time.Second), Source: interaction.SourceStream,
	}
	d.events = append(d.events, r)
	return r
}

// moderated is one decision about r.
type mod struct {
	verdict  string
	labels   []string
	actions  []string
	priority int
	slaDue   time.Duration // after created_at; 0 = none
	// version is the policy version; a later version is a later decision.
	version int
	// legacy omits interaction_created_at, as decisions published before
	// the field existed.
	legacy bool
}

func (d *dataset) moderate(r interaction.Received, m mod) {
	var due *time.Time
	if m.slaDue > 0 {
		t := r.CreatedAt.Add(m.slaDue)
		due = &t
	}
	if m.actions == nil {
		m.actions = []string{}
	}
	created := r.CreatedAt
	if m.legacy {
		created = time.Time{}
	}
	d.events = append(d.events, interaction.Moderated{
		ID: interaction.ModeratedID(r.ID, m.version), InteractionID: r.ID, Brand: r.Brand, Network: r.Network,
		Labels: m.labels, Verdict: interaction.Verdict(m.verdict), Actions: m.actions, Priority: m.priority,
		SLADue: due, RuleHits: []string{}, PolicyVersion: m.version,
		ModeratedAt: r.ReceivedAt.Add(time.Duration(1+m.version) * time.Second), InteractionCreatedAt: created,
	})
}

func (d *dataset) reply(r interaction.Received, platformID string, after time.Duration) {
	d.events = append(d.events, reply.Sent{
		ID: reply.SentID(r.Network, platformID), Brand: r.Brand, InteractionID: r.ID, Network: r.Network,
		PlatformID: platformID, Private: r.Kind == interaction.KindDM, Agent: "user:lea", SentAt: r.CreatedAt.Add(after),
	})
}

func (d *dataset) decide(r interaction.Received, decision casev1.Decision, assignee string, after time.Duration) {
	d.events = append(d.events, casev1.Decided{
		ID: casev1.DecidedID(r.ID, decision, uint64(after)), InteractionID: r.ID, Brand: r.Brand, Decision: decision,
		Moderator: "key-1", Assignee: assignee, DecidedAt: r.CreatedAt.Add(after),
	})
}

// correct is a moderator's correction of the labels moderation gave r.
func (d *dataset) correct(r interaction.Received, labels, add, remove []string, after time.Duration) {
	c := casev1.Corrected{InteractionID: r.ID, Brand: r.Brand, Moderator: "key-1", Text: r.Text, Labels: labels, Add: add, Remove: remove,
		Source: casev1.CorrectionExplicit, CorrectedAt: r.CreatedAt.Add(after)}
	c.ID = casev1.CorrectedID(c.InteractionID, c.Text, c.Add, c.Remove)
	d.events = append(d.events, c)
}

func (d *dataset) edit(r interaction.Received, text string, after time.Duration) {
	d.events = append(d.events, interaction.Updated{
		ID: interaction.UpdatedID(r.ID, text), InteractionID: r.ID, Brand: r.Brand, Network: r.Network, Text: text, Lang: "fr",
		EditedAt: r.CreatedAt.Add(after), ReceivedAt: r.CreatedAt.Add(after + time.Second), Source: interaction.SourceWebhook,
	})
}

func (d *dataset) remove(r interaction.Received, after time.Duration) {
	d.events = append(d.events, interaction.Deleted{
		ID: interaction.DeletedID(r.ID), InteractionID: r.ID, Brand: r.Brand, Network: r.Network, Reason: "author",
		DeletedAt: r.CreatedAt.Add(after), ReceivedAt: r.CreatedAt.Add(after + time.Second), Source: interaction.SourceWebhook,
	})
}

func (d *dataset) snapshot(brand, network string, followers int64, at time.Time) {
	d.events = append(d.events, community.FollowersCounted{
		ID: community.FollowersCountedID(network, "@"+brand, at), Brand: brand, Network: network, Account: "@" + brand,
		Followers: followers, TakenAt: at,
	})
}

func (d *dataset) follow(brand, network, follower string, reach int64, at time.Time) {
	d.events = append(d.events, community.Followed{
		ID: community.FollowedID(network, "@"+brand, follower), Brand: brand, Network: network, Account: "@" + brand,
		Follower:   community.Follower{ID: follower, Handle: "@" + follower, DisplayName: strings.ToUpper(follower), Followers: reach},
		FollowedAt: at,
	})
}

// reading is one reading of a post's counts (nil: not given).
type reading struct {
	impressions, reactions, comments, shares, clicks *int64
}

func (d *dataset) postMetrics(brand, network, platformID string, published, taken time.Time, r reading) {
	d.events = append(d.events, community.PostMetrics{
		ID: community.PostMetricsID(network, platformID, taken), Brand: brand, Network: network, Account: "@" + brand,
		PlatformID: platformID, URL: "https://" + network + ".example/" + platformID, RequestID: "req-" + platformID,
		PublishedAt: published, TakenAt: taken,
		Impressions: r.impressions, Reactions: r.reactions, Comments: r.comments, Shares: r.shares, Clicks: r.clicks,
	})
}

// outcome is a publish outcome about r (failed when code is set).
func (d *dataset) outcome(r interaction.Received, requestID string, kind publish.Kind, code, reason string, after time.Duration) {
	at := r.CreatedAt.Add(after)
	if code != "" {
		d.events = append(d.events, publish.Failed{ID: publish.OutcomeID(requestID, r.Network, "", "failed"), RequestID: requestID,
			Brand: r.Brand, Kind: kind, Network: r.Network, InteractionID: r.ID, Code: code, Reason: reason, Attempts: 1, FailedAt: at})
		return
	}
	d.events = append(d.events, publish.Succeeded{ID: publish.OutcomeID(requestID, r.Network, "", "succeeded"), RequestID: requestID,
		Brand: r.Brand, Kind: kind, Network: r.Network, InteractionID: r.ID, PlatformID: "p-" + requestID, Attempts: 2, PublishedAt: at})
}

// click is a click on a short link of a post's request.
func (d *dataset) click(brand, network, requestID, visitor string, at time.Time) {
	code := "C" + strconv.Itoa(len(d.events))
	d.events = append(d.events, community.LinkClicked{ID: community.LinkClickedID(code, at, "n"), Brand: brand, Code: code,
		Network: network, RequestID: requestID, Target: "https://cafe.example/?utm_source=" + network, Visitor: visitor, ClickedAt: at})
}

// brandOf returns the brand of one of the dataset's events.
func brandOf(e events.Event) string {
	switch v := e.(type) {
	case interaction.Received:
		return v.Brand
	case interaction.Moderated:
		return v.Brand
	case reply.Sent:
		return v.Brand
	case casev1.Decided:
		return v.Brand
	case casev1.Corrected:
		return v.Brand
	case community.FollowersCounted:
		return v.Brand
	case community.Followed:
		return v.Brand
	case interaction.Updated:
		return v.Brand
	case interaction.Deleted:
		return v.Brand
	case community.PostMetrics:
		return v.Brand
	case community.LinkClicked:
		return v.Brand
	case publish.Succeeded:
		return v.Brand
	case publish.Failed:
		return v.Brand
	}
	panic(fmt.Sprintf("no brand for %T", e))
}

func eventID(e events.Event) string {
	switch v := e.(type) {
	case interaction.Received:
		return v.ID
	case interaction.Moderated:
		return v.ID
	case reply.Sent:
		return v.ID
	case casev1.Decided:
		return v.ID
	case casev1.Corrected:
		return v.ID
	case community.FollowersCounted:
		return v.ID
	case community.Followed:
		return v.ID
	case interaction.Updated:
		return v.ID
	case interaction.Deleted:
		return v.ID
	case community.PostMetrics:
		return v.ID
	case community.LinkClicked:
		return v.ID
	case publish.Succeeded:
		return v.ID
	case publish.Failed:
		return v.ID
	case draftv1.Created:
		return v.ID
	case draftv1.Approved:
		return v.ID
	case draftv1.Rejected:
		return v.ID
	case privacyv1.ErasureRequested:
		return v.ID
	}
	panic(fmt.Sprintf("no id for %T", e))
}

// seed publishes the dataset copies times: every copy after the first
// carries another message id, so JetStream stores it again as a redelivery
// past its duplicate window would; then it waits until every row is
// written and every consumer settled.
func (h *harness) seed(d *dataset, copies int) {
	h.t.Helper()
	want := map[string]int{}
	for _, table := range []string{"interactions", "interaction_state", "replies", "case_decisions", "follower_snapshots", "followers", "interaction_edits", "interaction_deletions", "post_metrics", "publish_outcomes", "link_clicks"} {
		want[table] = int(h.rowsWritten(table)) // rows of earlier seeds, read before the sink writes these
	}
	for c := 0; c < copies; c++ {
		for _, e := range d.events {
			h.publish(e, brandOf(e), fmt.Sprintf("%s#%d", eventID(e), c))
		}
	}
	for _, e := range d.events {
		switch e.(type) {
		case interaction.Received:
			want["interactions"] += copies
		case interaction.Moderated:
			want["interaction_state"] += copies
		case reply.Sent:
			want["replies"] += copies
		case casev1.Decided:
			want["case_decisions"] += copies
		case casev1.Corrected:
			want["label_corrections"] += copies
		case community.FollowersCounted:
			want["follower_snapshots"] += copies
		case community.Followed:
			want["followers"] += copies
		case interaction.Updated:
			want["interaction_edits"] += copies
		case interaction.Deleted:
			want["interaction_deletions"] += copies
		case community.PostMetrics:
			want["post_metrics"] += copies
		case publish.Succeeded, publish.Failed:
			want["publish_outcomes"] += copies
		case community.LinkClicked:
			want["link_clicks"] += copies
		}
	}
	eventually(h.t, 20*time.Second, "the dataset to be stored", func() bool {
		for table, n := range want {
			if h.rowsWritten(table) != float64(n) {
				return false
			}
		}
		return h.allSettled()
	})
}

// allSettled reports whether every sink's consumer has nothing pending.
func (h *harness) allSettled() bool {
	for _, sk := range h.svc.sinks {
		c, err := h.bus.JS.Consumer(h.t.Context(), sk.stream, sk.consumer)
		if err != nil {
			return false
		}
		info, err := c.Info(h.t.Context())
		if err != nil || info.NumPending != 0 || info.NumAckPending != 0 {
			return false
		}
	}
	return true
}

// seeded runs a harness with d stored once, and another with d stored
// twice (a redelivery of everything), for tests that must give the same
// answer on both.
func seeded(t *testing.T, d *dataset) map[string]*harness {
	return map[string]*harness{"once": seededN(t, d, 1), "redelivered": seededN(t, d, 2)}
}

func seededN(t *testing.T, d *dataset, copies int) *harness {
	h := newHarness(t, nil)
	h.seed(d, copies)
	return h
}

// request sends req to subject and decodes the reply into resp, or returns
// the micro error as a listErr.
func (h *harness) request(subject string, req, resp any) error {
	h.t.Helper()
	body, _ := json.Marshal(req)
	reply, err := h.bus.NC.Request(subject, body, 10*time.Second)
	if err != nil {
		h.t.Fatalf("request %s: %v", subject, err)
	}
	if code := reply.Header.Get(micro.ErrorCodeHeader); code != "" {
		return listErr{code, reply.Header.Get(micro.ErrorHeader)}
	}
	if err := json.Unmarshal(reply.Data, resp); err != nil {
		h.t.Fatalf("decode reply %q: %v", reply.Data, err)
	}
	return nil
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func strconvFormat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
