-- The brand's replies once sent (reply.sent.v1), one row per reply. The
-- event id is in the sorting key, so a redelivered reply collapses; queries
-- count distinct ids and take min(sent_at), which duplicates do not change.
CREATE TABLE IF NOT EXISTS replies (
    id String,
    brand String,
    interaction_id String,
    network String,
    platform_id String,
    private UInt8,
    agent String,
    automated UInt8,
    sent_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, id);
