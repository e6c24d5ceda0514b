-- Reply drafts (draft.created.v1), one row per version, and their reviews
-- (draft.approved.v1, draft.rejected.v1), one row per decision: the draft
-- metrics (acceptance, edit distance, time to approve) read them. The event
-- id is in the sorting key, so a redelivery collapses. Numbered 0014: 0011
-- to 0013 are taken by the publishing metrics' migrations.
CREATE TABLE IF NOT EXISTS drafts (
    id String,
    brand String,
    draft_id String,
    interaction_id String,
    network String,
    lang String,
    version UInt32,
    drafter String,
    confidence Float64,
    flagged UInt8,
    text String,
    kb_entries Array(String),
    requested_by String,
    created_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, id);
CREATE TABLE IF NOT EXISTS draft_reviews (
    id String,
    brand String,
    draft_id String,
    interaction_id String,
    version UInt32,
    decision String,
    reviewer String,
    reason String,
    edit_distance Int32,
    text String,
    reviewed_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, id);
-- The audit log (audit.recorded.v1, RUCHE_AUDIT), searchable by actor,
-- action and time; the stream stays the record (append-only).
CREATE TABLE IF NOT EXISTS audit_log (
    id String,
    brand String,
    at DateTime,
    at_ms UInt16,
    actor String,
    actor_email String,
    via String,
    key_id String,
    action String,
    method String,
    route String,
    path String,
    target String,
    status UInt16,
    ip String,
    user_agent String,
    before String,
    after String,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(at)
ORDER BY (brand, at, id);
