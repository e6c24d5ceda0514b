package connector

import (
	"context"
	"errors"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

// Poller is the listening side of a network that Ruche polls (Mastodon,
// Bluesky, YouTube, RSS...). Implementations follow the network's documented
// API and report its errors with the types below so the loop can react.
type Poller interface {
	// Name is the network name of the sources it polls.
	Name() string
	// RequiredSecrets names the source secrets the API needs.
	RequiredSecrets() []string
	// Poll returns one page of items after cursor ("" on the first poll:
	// start from the most recent page) and the cursor to store once they are
	// published. More means another page is ready now.
	Poll(ctx context.Context, src Source, cursor string) (Page, error)
}

// Page is one poll's result.
type Page struct {
	Items []v1.Received
	// Updates and Deletions are edits and deletions the network reported
	// (a stream's): ingest publishes those of interactions it received and
	// drops the others (a stream also reports statuses that never reached
	// the brand).
	Updates   []v1.Updated
	Deletions []v1.Deleted
	Skipped   []Skipped
	Cursor    string
	More      bool
}

// Backfiller is a Poller that can also re-read history: pages going back in
// time from cursor ("" = the newest) down to since. More is false once
// since is reached. Dedup makes a second backfill of the same range harmless.
type Backfiller interface {
	Poller
	Backfill(ctx context.Context, src Source, since time.Time, cursor string) (Page, error)
}

// Streamer is a Poller whose network can also push items as they happen
// (Mastodon's streaming API, Bluesky's Jetstream). The replica holding a source's poll lease
// runs the stream beside the poll loop. Polling stays the catch-up path and
// the only writer of the cursor: it runs at once when the stream connects or
// drops, at the source's interval while the stream is down, and every
// few minutes while it is up (a stream does not replay what it
// missed). Items the stream published are not published again by the poll
// that reads them later.
type Streamer interface {
	Poller
	// Stream connects once and hands each frame's items to deliver until
	// ctx is done or the connection ends; connected is called once it is
	// up. ErrStreamUnavailable means the server offers no stream.
	Stream(ctx context.Context, src Source, connected func(), deliver func(Page) error) error
}

// ErrStreamUnavailable means the network has no stream for the source
// (upgrade refused, endpoint absent): polling alone serves it, and the
// stream is tried again later.
var ErrStreamUnavailable = errors.New("streaming not available")
