package publishing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	"github.com/ruche-project/ruche/pkg/netguard"
)

// Network is one network's publish side. Every method makes HTTP calls with
// ctx's deadline; errors a network gives back are *NetworkError.
type Network interface {
	// Name is the network's name in interaction ids ("sandbox", "mastodon").
	Name() string
	// Do performs a on the network from acct.
	Do(ctx context.Context, acct Account, a Action) (Result, error)
	// Find asks the network whether a post or reply with a's idempotency
	// key exists (a call whose answer was lost). found is false when the
	// network has no such item; ErrCannotFind when it cannot tell.
	Find(ctx context.Context, acct Account, a Action) (r Result, found bool, err error)
}

// ErrCannotFind is returned by Network.Find when the network offers no way
// to look an action up; the caller decides from the network's idempotency
// window (see Action.FirstSentAt).
var ErrCannotFind = errors.New("the network cannot look a publication up")

// Action is one network action.
type Action struct {
	Kind publishv1.Kind
	// Key is the idempotency key: the same for every attempt of the same
	// request on the same account.
	Key string
	// Text and Lang of a post or reply.
	Text string
	Lang string
	// Media of a post and, in the same order, the references UploadMedia
	// returned for them.
	Media     []publishv1.Media
	MediaRefs []string
	// TargetID is the network's id of the item acted on (replied to,
	// hidden, unhidden, deleted).
	TargetID string
	// Attempt is 1 for the first call, more for a retry.
	Attempt int
	// FirstSentAt is when the first attempt was made (zero before it).
	FirstSentAt time.Time
}

// Result is what the network answered.
type Result struct {
	PlatformID string
	URL        string
}

// NetworkError is a network's refusal or failure.
type NetworkError struct {
	// Status is the HTTP status (0 for a transport error or a timeout).
	Status int
	// Code is the network's error code, or ours ("timeout", "unsupported").
	Code string
	// Reason is the network's explanation, as given.
	Reason string
	// Permanent errors are not retried: the same call would fail again.
	Permanent bool
	// RetryAt, when set, is the earliest time the account may be asked
	// again (429 with Retry-After or a rate-limit reset).
	RetryAt time.Time
}

func (e *NetworkError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Reason)
	}
	return e.Code + ": " + e.Reason
}

// Unsupported is the error of an action a network does not have.
func Unsupported(network string, kind publishv1.Kind, why string) *NetworkError {
	return &NetworkError{Code: "unsupported", Reason: fmt.Sprintf("%s cannot %s: %s", network, kind, why), Permanent: true}
}

// asNetworkError turns any error of a call into a NetworkError: a transport
// error or a timeout is retryable.
func asNetworkError(err error) *NetworkError {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return ne
	}
	if errors.Is(err, netguard.ErrForbiddenAddress) {
		// The account's URL names an internal address: it stays refused.
		return &NetworkError{Code: "forbidden_address", Reason: err.Error(), Permanent: true}
	}
	code := "transport"
	if errors.Is(err, context.DeadlineExceeded) {
		code = "timeout"
	}
	return &NetworkError{Code: code, Reason: err.Error()}
}

// networks are the networks publishing has a connector for.
var networks = map[string]struct{}{"sandbox": {}, "mastodon": {}, "bluesky": {}, "meta": {}, "x": {}, "linkedin": {}, "youtube": {}}

func networkNames() []string {
	out := make([]string, 0, len(networks))
	for n := range networks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Counts are one post's counts as its network gives them; a count the
// network does not give is nil, not zero.
type Counts struct {
	Impressions, Reactions, Comments, Shares, Clicks *int64
}

// Audience is an account's follower count.
type Audience struct {
	Followers, Following int64
}

// MetricsReader is the read side of a network, for the metrics producers
// (insights.go). Its errors are *NetworkError, as Network's.
type MetricsReader interface {
	// PostCounts reads the counts of the account's posts (their platform
	// ids, as Do answered them); a post the network no longer has (deleted)
	// is absent from the answer.
	PostCounts(ctx context.Context, acct Account, ids []string) (map[string]Counts, error)
	// Audience reads the account's follower count.
	Audience(ctx context.Context, acct Account) (Audience, error)
}

// count is a count the network gave.
func count(v int64) *int64 { return &v }

// chunks splits ids into runs of at most n (a network's batch limit).
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// getJSON calls a GET with the connector's client and decodes a 2xx body
// into out.
func (e endpoint) getJSON(ctx context.Context, rawURL string, authorize func(*http.Request), parseErr func([]byte) (code, reason string), out any) error {
	req, err := jsonRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	authorize(req)
	body, err := e.call(ctx, req, parseErr)
	if err != nil {
		return err
	}
	return decodeBody(body, out)
}
