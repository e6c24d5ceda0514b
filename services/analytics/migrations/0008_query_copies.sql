-- Copies sorted for the queries that read them: an inbox page reads what it
-- shows, not the brand's history (services/analytics/inbox.go), and a
-- dashboard the moderation of its period (kpis.go). Materialized views fill them on
-- every insert into their source; the INSERT ... SELECT statements copy the
-- rows stored before. Running them twice (two migrators at once, or a
-- retry) only adds rows with the same sorting key, which collapse and which
-- the readers take once.
--
-- interactions_by_received: the key of every stored copy of an interaction,
-- sorted by received time. The inbox lists newest received first while
-- interactions is sorted by created_at: a page reads a slice of this table
-- through its primary key, then the rows of those keys. Every copy is kept:
-- the reader recognises a copy superseded by a later one.
CREATE TABLE IF NOT EXISTS interactions_by_received (
    brand String,
    received_at DateTime,
    received_ms UInt16,
    id String,
    created_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (brand, received_at, received_ms, id);
CREATE MATERIALIZED VIEW IF NOT EXISTS interactions_by_received_mv TO interactions_by_received AS
SELECT brand, received_at, received_ms, id, created_at, inserted_at FROM interactions;
INSERT INTO interactions_by_received (brand, received_at, received_ms, id, created_at, inserted_at)
SELECT brand, received_at, received_ms, id, created_at, inserted_at FROM interactions;
-- interaction_state_by_id: the moderation columns the inbox reads, in small
-- granules. A page's ids are scattered over the brand's ids: with the
-- default 8192 rows per granule, 50 of them read about 750k rows of
-- interaction_state at 10 million interactions; here about 13k.
CREATE TABLE IF NOT EXISTS interaction_state_by_id (
    brand String,
    interaction_id String,
    verdict String,
    labels Array(String),
    actions Array(String),
    priority Int32,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (brand, interaction_id, version)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interaction_state_by_id_mv TO interaction_state_by_id AS
SELECT brand, interaction_id, verdict, labels, actions, priority, version FROM interaction_state;
INSERT INTO interaction_state_by_id (brand, interaction_id, verdict, labels, actions, priority, version)
SELECT brand, interaction_id, verdict, labels, actions, priority, version FROM interaction_state;
-- interaction_state_by_time: the moderation columns the dashboard reads,
-- sorted by moderation time. Its queries take the moderation rows since the
-- day before the period (kpiParams.since), then the latest one of each
-- interaction: interaction_state, sorted by interaction id, is read whole
-- for that; this copy reads the period. It keeps every version (they differ
-- in moderated_at); the latest is the same as in interaction_state.
CREATE TABLE IF NOT EXISTS interaction_state_by_time (
    brand String,
    moderated_at DateTime,
    interaction_id String,
    version UInt64,
    verdict String,
    labels Array(String),
    actions Array(String),
    sla_due Nullable(DateTime)
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(moderated_at)
ORDER BY (brand, moderated_at, interaction_id, version);
CREATE MATERIALIZED VIEW IF NOT EXISTS interaction_state_by_time_mv TO interaction_state_by_time AS
SELECT brand, moderated_at, interaction_id, version, verdict, labels, actions, sla_due FROM interaction_state;
INSERT INTO interaction_state_by_time (brand, moderated_at, interaction_id, version, verdict, labels, actions, sla_due)
SELECT brand, moderated_at, interaction_id, version, verdict, labels, actions, sla_due FROM interaction_state;
