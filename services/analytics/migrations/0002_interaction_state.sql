-- Moderation state (interaction.moderated.v1): every decision is a row, the
-- latest one (highest version = moderated_at in milliseconds) is the current
-- state. Reads take argMax(..., version) so that they do not depend on merges.
-- No partition: every version of one interaction must share a part to collapse.
CREATE TABLE IF NOT EXISTS interaction_state (
    brand String,
    interaction_id String,
    event_id String,
    network String,
    labels Array(String),
    verdict String,
    actions Array(String),
    priority Int32,
    sla_due Nullable(DateTime),
    rule_hits Array(String),
    policy_version UInt32,
    moderated_at DateTime,
    version UInt64,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(version)
ORDER BY (brand, interaction_id);
