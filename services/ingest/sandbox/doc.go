// Package sandbox is Ruche's built-in simulated social network, and the
// ingest connector that reads it, so that the demo and the end-to-end tests
// work offline.
//
// The network (Network) keeps a bounded, in-memory feed of activity for one
// brand account and serves it over a small HTTP API shaped like a real
// platform's (see Handler): cursor-paged activity, idempotent publishing of
// posts and replies, hiding comments, and error modes switched on for tests
// (401, 429 with Retry-After, 5xx, slow answers). A Generator writes its
// traffic: French and English questions, complaints, praise, purchase
// intent, spam (links, crypto and follower scams), insults (plain and
// obfuscated), threats, personal data, influencers, threads, DMs and
// reviews, for the demo brand Café Lumière, deterministic for a seed.
// Scripted scenarios (a crisis burst, a viral post) are started through the
// API or the configuration.
//
// The Poller reads the API like any connector: pages after a cursor kept in
// the ingest_cursors KV bucket, each item normalised into
// interaction.received.v1 (network "sandbox", event id "sandbox:<id>") and
// published on the bus; a malformed item is counted and skipped, errors back
// off, 429s are honoured and a revoked token is not retried in a loop.
package sandbox
