-- interaction_rows: the interactions as the inbox's item panel shows them,
-- sorted by id in small granules. interactions is sorted by (brand,
-- created_at, id) in granules of 8192 rows: the panel's rows (the
-- interaction, its thread, the author's latest 20, scattered over the
-- brand's history) each cost a granule of every column there, text
-- included; here a granule of 256 rows. The panel reads its rows here by
-- (brand, id), collapsed as FINAL does (the highest inserted_at, then the
-- copy written last): the same copies as interactions, written by a
-- materialized view on every insert into it; the INSERT ... SELECT copies
-- the rows stored before (running it twice only adds copies that collapse).
-- An erasure (person/erase.go) blanks the author here as there.
CREATE TABLE IF NOT EXISTS interaction_rows (
    brand String,
    id String,
    created_at DateTime,
    network String,
    account String,
    kind String,
    platform_id String,
    thread_id String,
    parent_id String,
    author_id String,
    author_handle String,
    author_name String,
    text String,
    lang String,
    url String,
    received_at DateTime,
    received_ms UInt16,
    source String,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, id, created_at)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interaction_rows_mv TO interaction_rows AS
SELECT brand, id, created_at, network, account, kind, platform_id, thread_id, parent_id, author_id, author_handle, author_name,
    text, lang, url, received_at, received_ms, source, inserted_at FROM interactions;
INSERT INTO interaction_rows (brand, id, created_at, network, account, kind, platform_id, thread_id, parent_id, author_id, author_handle,
    author_name, text, lang, url, received_at, received_ms, source, inserted_at)
SELECT brand, id, created_at, network, account, kind, platform_id, thread_id, parent_id, author_id, author_handle, author_name,
    text, lang, url, received_at, received_ms, source, inserted_at FROM interactions;
--
-- interaction_routing: the moderation's route and SLA, for the panel's one
-- id (interaction_state, sorted by id in granules of 8192 rows, costs a
-- granule of its arrays per part for it). Every version is kept; the
-- panel reads the latest.
CREATE TABLE IF NOT EXISTS interaction_routing (
    brand String,
    interaction_id String,
    version UInt64,
    actions Array(String),
    sla_due Nullable(DateTime)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (brand, interaction_id, version)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interaction_routing_mv TO interaction_routing AS
SELECT brand, interaction_id, version, actions, sla_due FROM interaction_state;
INSERT INTO interaction_routing (brand, interaction_id, version, actions, sla_due)
SELECT brand, interaction_id, version, actions, sla_due FROM interaction_state;
