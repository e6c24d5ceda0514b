package analytics

import (
	"time"

	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
	casev1 "github.com/ruche-project/ruche/events/case/v1"
	community "github.com/ruche-project/ruche/events/community/v1"
	draftv1 "github.com/ruche-project/ruche/events/draft/v1"
	interaction "github.com/ruche-project/ruche/events/interaction/v1"
	publish "github.com/ruche-project/ruche/events/publish/v1"
	reply "github.com/ruche-project/ruche/events/reply/v1"
)

// tableRow is one row of a table other than interactions and
// interaction_state, with the column list its insert names.
type tableRow struct {
	table, columns string
	values         []any
}

// Column lists of the tables written through tableRow.
const (
	replyColumns        = "id, brand, interaction_id, network, platform_id, private, agent, automated, sent_at, inserted_at"
	caseDecisionColumns = "id, brand, interaction_id, decision, moderator, assignee, reason, decided_at, version, inserted_at"
	correctionColumns   = "id, brand, interaction_id, labels, moderator, source, corrected_at, version, inserted_at"
	snapshotColumns     = "id, brand, network, account, followers, following, taken_at, inserted_at"
	followerColumns     = "id, brand, network, account, follower_id, follower_handle, follower_name, follower_followers, followed_at, inserted_at"
	editColumns         = "id, brand, interaction_id, network, text, lang, edited_at, version, received_at, source, source_id, inserted_at"
	deletionColumns     = "id, brand, interaction_id, network, deleted_at, received_at, source, source_id, reason, inserted_at"
	outcomeColumns      = "id, brand, request_id, kind, network, account, interaction_id, outcome, platform_id, url, code, reason, retryable, attempts, at, inserted_at"
	linkClickColumns    = "id, brand, code, network, account, request_id, target, visitor, clicked_at, inserted_at"
	postMetricsColumns  = "id, brand, network, account, platform_id, url, request_id, published_at, taken_at, impressions, reactions, comments, shares, clicks, inserted_at"
	draftColumns        = "id, brand, draft_id, interaction_id, network, lang, version, drafter, confidence, flagged, text, kb_entries, requested_by, created_at, inserted_at"
	draftReviewColumns  = "id, brand, draft_id, interaction_id, version, decision, reviewer, reason, edit_distance, text, reviewed_at, inserted_at"
	auditColumns        = "id, brand, at, at_ms, actor, actor_email, via, key_id, action, method, route, path, target, status, ip, user_agent, before, after, inserted_at"
)

// Positions in their rows of the values scrub reads or blanks.
const (
	draftInteractionID = 3
	draftText          = 10
	reviewInteraction  = 3
	reviewText         = 9
	editInteractionID  = 2
	editText           = 4
	followerNetwork    = 2
	followerID         = 4
	followerFollowedAt = 8
)

func flag(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func sec(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func replyRow(s reply.Sent, now time.Time) tableRow {
	return tableRow{"replies", replyColumns, []any{s.ID, s.Brand, s.InteractionID, s.Network, s.PlatformID,
		flag(s.Private), s.Agent, flag(s.Automated), sec(s.SentAt), sec(now)}}
}

func caseDecisionRow(d casev1.Decided, now time.Time) tableRow {
	return tableRow{"case_decisions", caseDecisionColumns, []any{d.ID, d.Brand, d.InteractionID, string(d.Decision),
		d.Moderator, d.Assignee, d.Reason, sec(d.DecidedAt), uint64(max(d.DecidedAt.UnixMilli(), 0)), sec(now)}}
}

// correctionRow keeps the labels a correction leaves (not its text: the
// interaction's text is in interactions, erased there).
func correctionRow(c casev1.Corrected, now time.Time) tableRow {
	return tableRow{"label_corrections", correctionColumns, []any{c.ID, c.Brand, c.InteractionID, nonNil(c.Result()), c.Moderator, c.Source,
		sec(c.CorrectedAt), uint64(max(c.CorrectedAt.UnixMilli(), 0)), sec(now)}}
}

func snapshotRow(f community.FollowersCounted, now time.Time) tableRow {
	return tableRow{"follower_snapshots", snapshotColumns, []any{f.ID, f.Brand, f.Network, f.Account,
		f.Followers, f.Following, sec(f.TakenAt), sec(now)}}
}

func followerRow(f community.Followed, now time.Time) tableRow {
	return tableRow{"followers", followerColumns, []any{f.ID, f.Brand, f.Network, f.Account, f.Follower.ID,
		f.Follower.Handle, f.Follower.DisplayName, f.Follower.Followers, sec(f.FollowedAt), sec(now)}}
}

func editRow(u interaction.Updated, now time.Time) tableRow {
	return tableRow{"interaction_edits", editColumns, []any{u.ID, u.Brand, u.InteractionID, u.Network, u.Text, u.Lang,
		sec(u.EditedAt), uint64(max(u.EditedAt.UnixMilli(), 0)), sec(u.ReceivedAt), string(u.Source), u.SourceID, sec(now)}}
}

func deletionRow(d interaction.Deleted, now time.Time) tableRow {
	return tableRow{"interaction_deletions", deletionColumns, []any{d.ID, d.Brand, d.InteractionID, d.Network,
		sec(d.DeletedAt), sec(d.ReceivedAt), string(d.Source), d.SourceID, d.Reason, sec(now)}}
}

func postMetricsRow(m community.PostMetrics, now time.Time) tableRow {
	return tableRow{"post_metrics", postMetricsColumns, []any{m.ID, m.Brand, m.Network, m.Account, m.PlatformID, m.URL, m.RequestID,
		sec(m.PublishedAt), sec(m.TakenAt), m.Impressions, m.Reactions, m.Comments, m.Shares, m.Clicks, sec(now)}}
}

func succeededRow(e publish.Succeeded, now time.Time) tableRow {
	return tableRow{"publish_outcomes", outcomeColumns, []any{e.ID, e.Brand, e.RequestID, string(e.Kind), e.Network, e.Account, e.InteractionID,
		"succeeded", e.PlatformID, e.URL, "", "", uint8(0), uint32(max(e.Attempts, 0)), sec(e.PublishedAt), sec(now)}}
}

func failedRow(e publish.Failed, now time.Time) tableRow {
	return tableRow{"publish_outcomes", outcomeColumns, []any{e.ID, e.Brand, e.RequestID, string(e.Kind), e.Network, e.Account, e.InteractionID,
		"failed", "", "", e.Code, e.Reason, flag(e.Retryable), uint32(max(e.Attempts, 0)), sec(e.FailedAt), sec(now)}}
}

func linkClickRow(c community.LinkClicked, now time.Time) tableRow {
	return tableRow{"link_clicks", linkClickColumns, []any{c.ID, c.Brand, c.Code, c.Network, c.Account, c.RequestID, c.Target, c.Visitor,
		sec(c.ClickedAt), sec(now)}}
}

func draftRow(c draftv1.Created, now time.Time) tableRow {
	entries := make([]string, len(c.Citations))
	for i, ci := range c.Citations {
		entries[i] = ci.EntryID
	}
	return tableRow{"drafts", draftColumns, []any{c.ID, c.Brand, c.DraftID, c.InteractionID, c.Network, c.Lang,
		uint32(max(c.Version, 0)), c.Drafter, c.Confidence, flag(c.Flagged), c.Text, entries, c.RequestedBy, sec(c.CreatedAt), sec(now)}}
}

func approvedRow(a draftv1.Approved, now time.Time) tableRow {
	return tableRow{"draft_reviews", draftReviewColumns, []any{a.ID, a.Brand, a.DraftID, a.InteractionID, uint32(max(a.DraftVersion, 0)),
		"approved", a.ApprovedBy, "", int32(a.EditDistance), a.Text, sec(a.ApprovedAt), sec(now)}}
}

func rejectedRow(r draftv1.Rejected, now time.Time) tableRow {
	return tableRow{"draft_reviews", draftReviewColumns, []any{r.ID, r.Brand, r.DraftID, r.InteractionID, uint32(max(r.DraftVersion, 0)),
		"rejected", r.RejectedBy, r.Reason, int32(0), "", sec(r.RejectedAt), sec(now)}}
}

func auditRow(r auditv1.Recorded, now time.Time) tableRow {
	at := r.At.UTC()
	return tableRow{"audit_log", auditColumns, []any{r.ID, r.Brand, at.Truncate(time.Second), uint16(at.Nanosecond() / int(time.Millisecond)),
		r.Actor, r.ActorEmail, r.Via, r.KeyID, r.Action, r.Method, r.Route, r.Path, r.Target, uint16(max(min(r.Status, 65535), 0)),
		r.IP, r.UserAgent, string(r.Before), string(r.After), sec(now)}}
}
