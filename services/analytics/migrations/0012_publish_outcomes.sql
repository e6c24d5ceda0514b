-- What the networks answered to publishing (publish.succeeded.v1 and
-- publish.failed.v1), one row per outcome: an interaction's detail shows
-- the actions taken on it (a reply sent or failed with the network's
-- reason, a hide done or refused). A redelivered outcome has the same key
-- and collapses; a failure retried through the API and then published
-- keeps both rows, the later one standing.
CREATE TABLE IF NOT EXISTS publish_outcomes (
    id String,
    brand String,
    request_id String,
    kind String,
    network String,
    account String,
    interaction_id String,
    outcome String,
    platform_id String,
    url String,
    code String,
    reason String,
    retryable UInt8,
    attempts UInt32,
    at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, id);
