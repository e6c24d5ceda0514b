// Package publishing acts on the networks for the brand: it consumes
// publish.requested (posts, replies, hides, unhides, deletes) and does each
// network action exactly once, with an honest ledger.
//
// State, in NATS KV buckets and a stream publishing owns:
//   - publishing_ledger: one entry per request and network account, written
//     before every network call (the intent) and after (the result):
//     queued, sending, published (the network's id and URL), failed
//     (retryable or permanent, with the network's reason, dead-lettered
//     when its retries ran out), reconciling (a call whose answer was lost:
//     the network is asked what exists before anything is sent again).
//   - publishing_due: the ledger entries a replica must come back to (a
//     retry's time, a call that may have been cut off), so the retry loop
//     reads a short list instead of the ledger.
//   - publishing_accounts and publishing_account_health: connected network
//     accounts (tokens sealed with pkg/secret, the account as associated
//     data) and their health (last success, last error, rate limit).
//   - publishing_approvals: approval records (events/publish/v1.Approval);
//     a post or reply is sent only if its text's hash is approved.
//   - publishing_pauses: brands whose posts and replies wait for the end of
//     a crisis (crisis.detected with pause_publishing).
//   - PUBLISHING_AUDIT: an append-only stream (no delete, no purge) of every
//     action: who asked, who approved, what was sent, the network's answer.
//
// Networks are reached through the Network interface (network.go); each
// action carries an idempotency key derived from the request, which the
// networks that have one honour (Mastodon's Idempotency-Key, the sandbox's)
// and which reconciliation looks up.
package publishing
