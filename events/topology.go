package events

import (
	"strings"
	"time"
)

// Stream describes one JetStream stream of the topology. It is declared here,
// in the contract module, so that every service and ops tooling agree on it;
// pkg/bus turns it into a server-side stream configuration.
type Stream struct {
	// Name of the JetStream stream, e.g. "RUCHE_INTERACTION".
	Name string
	// Subjects captured by the stream.
	Subjects []string
	// MaxAge bounds how long events are kept (0 = forever).
	MaxAge time.Duration
	// DuplicateWindow is how long JetStream remembers Nats-Msg-Id values.
	DuplicateWindow time.Duration
	// AppendOnly streams refuse deleting a message or purging.
	AppendOnly bool
	// Schedules allows JetStream message schedules (Nats-Schedule headers,
	// nats-server 2.12+) on the stream: the timers of scheduled posts.
	Schedules bool
}

// Domain names, one stream each.
const (
	DomainInteraction = "interaction"
	// DomainCase carries moderators' decisions on cases (case.decided.v1).
	DomainCase = "case"
	// DomainCrisis carries crisis alerts (crisis.detected.v1, crisis.resolved.v1).
	DomainCrisis = "crisis"
	// DomainPublish carries requests to act on the networks (publish.requested.v1)
	// and their outcomes (publish.succeeded.v1, publish.failed.v1).
	DomainPublish = "publish"
	// DomainReply carries the brand's replies once sent (reply.sent.v1).
	DomainReply = "reply"
	// DomainCommunity carries the audience of the brand's accounts
	// (community.followers_counted.v1, community.followed.v1).
	DomainCommunity = "community"
	// DomainDraft carries drafted replies and their reviews
	// (draft.created.v1, draft.approved.v1, draft.rejected.v1).
	DomainDraft = "draft"
	// DomainPost carries the editorial calendar's posts (post.transitioned.v1)
	// and their timers: a message schedule per scheduled post, which fires
	// post.due.v1 at the post's time.
	DomainPost = "post"
	// DomainPrivacy carries data subjects' requests
	// (privacy.erasure_requested.v1).
	DomainPrivacy = "privacy"
	DomainDLQ     = "dlq"
	// DomainAudit carries the audit log (audit.recorded.v1): append-only,
	// kept as long as AuditRetention.
	DomainAudit = "audit"
)

// AuditRetention is how long the audit log is kept: the French CNIL's
// usual horizon for access logs of personal data is six months to a year;
// a brand's own policy may ask more of an export.
const AuditRetention = 400 * 24 * time.Hour

// Domains that carry events. The DLQ is separate: it holds poison messages.
var Domains = []string{DomainInteraction, DomainCase, DomainCrisis, DomainPublish, DomainReply, DomainCommunity, DomainDraft, DomainPost, DomainPrivacy}

// StreamName is the JetStream stream that holds one domain's events.
func StreamName(domain string) string {
	return "RUCHE_" + strings.ToUpper(strings.ReplaceAll(domain, "-", "_"))
}

// DLQSubject is where a poison message consumed by consumer is parked.
func DLQSubject(consumer string) string {
	return SubjectPrefix + "." + DomainDLQ + "." + consumer
}

// Topology is the full set of streams: one per domain, the audit log and the DLQ. The
// duplicate window is shared; two minutes covers webhook retries by networks.
func Topology() []Stream {
	streams := make([]Stream, 0, len(Domains)+1)
	for _, d := range Domains {
		s := Stream{
			Name:            StreamName(d),
			Subjects:        []string{SubjectPrefix + "." + d + ".>"},
			MaxAge:          7 * 24 * time.Hour,
			DuplicateWindow: 2 * time.Minute,
		}
		if d == DomainPost {
			// A timer is a stored message until it fires (then the server
			// purges it): an age limit would delete a post planned further
			// ahead than the limit. Transitions are small and are the
			// calendar's history.
			s.MaxAge, s.Schedules = 0, true
		}
		streams = append(streams, s)
	}
	streams = append(streams, Stream{
		Name:            StreamName(DomainAudit),
		Subjects:        []string{SubjectPrefix + "." + DomainAudit + ".>"},
		MaxAge:          AuditRetention,
		DuplicateWindow: 2 * time.Minute,
		AppendOnly:      true,
	})
	streams = append(streams, Stream{
		Name:            StreamName(DomainDLQ),
		Subjects:        []string{SubjectPrefix + "." + DomainDLQ + ".>"},
		MaxAge:          30 * 24 * time.Hour,
		DuplicateWindow: 2 * time.Minute,
	})
	return streams
}
