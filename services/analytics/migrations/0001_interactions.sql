-- Interactions as received (interaction.received.v1), one row per event.
-- A redelivered event has the same sorting key (brand, created_at, id), so
-- ReplacingMergeTree collapses it to the last inserted copy; queries read with
-- FINAL so that duplicates are collapsed before merges too.
-- DateTime has second precision (DateTime64 does not exist before 20.1):
-- received_ms keeps the milliseconds of received_at for ordering.
CREATE TABLE IF NOT EXISTS interactions (
    id String,
    brand String,
    network String,
    account String,
    kind String,
    platform_id String,
    thread_id String,
    parent_id String,
    author_id String,
    author_handle String,
    author_name String,
    author_followers Int64,
    author_verified UInt8,
    text String,
    lang String,
    url String,
    created_at DateTime,
    received_at DateTime,
    received_ms UInt16,
    source String,
    source_id String,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(created_at)
ORDER BY (brand, created_at, id);
