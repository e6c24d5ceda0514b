-- label_corrections: the labels moderators' corrections leave
-- (case.corrected.v1: the automatic labels without those removed, with
-- those added), one row per correction, versioned by its time in
-- milliseconds as interaction_state is by the moderation's. The inbox's
-- label filters (labels, sentiments, intents) read the latest of an
-- interaction's moderations and corrections (inbox/inbox.go), so a
-- correction changes what the filters find and a later moderation
-- (decided with the correction in mind) takes over again. Filled by the
-- case sink's own consumer, which reads the case stream from its start: the
-- corrections the stream still holds are stored when the migration is new.
CREATE TABLE IF NOT EXISTS label_corrections (
    id String,
    brand String,
    interaction_id String,
    labels Array(String),
    moderator String,
    source String,
    corrected_at DateTime,
    version UInt64,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, version, id)
SETTINGS index_granularity = 256;
