// Package connector is the contract between the ingest service and the
// networks it reads: a network either receives webhooks (Webhook) or is
// polled (Poller), optionally re-reads its history (Backfiller) or pushes
// items as they happen (Streamer). Connectors report the network's answers
// with the errors here (ErrUnauthorized, *RateLimitedError, StatusError) so
// that the service reacts the same way to every network, and keep their
// cursors with the helpers here (Watermark, NewestFirst, DecodeCursor).
//
// Each network is a package of its own (generic, meta, x, mastodon,
// bluesky, youtube, rss, and the sandbox) that imports this one and never
// the service.
package connector
