-- Edits of interactions' texts (interaction.updated.v1), one row per edit:
-- the history. interactions keeps the text as received; the inbox shows the
-- latest edit's text (argMax over version = edited_at in milliseconds) with
-- its edited_at. A redelivered edit has the same key and collapses.
CREATE TABLE IF NOT EXISTS interaction_edits (
    id String,
    brand String,
    interaction_id String,
    network String,
    text String,
    lang String,
    edited_at DateTime,
    version UInt64,
    received_at DateTime,
    source String,
    source_id String,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, id);
-- Interactions deleted on their network (interaction.deleted.v1): a deleted
-- interaction leaves the open queue (status deleted).
CREATE TABLE IF NOT EXISTS interaction_deletions (
    id String,
    brand String,
    interaction_id String,
    network String,
    deleted_at DateTime,
    received_at DateTime,
    source String,
    source_id String,
    reason String,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id);
