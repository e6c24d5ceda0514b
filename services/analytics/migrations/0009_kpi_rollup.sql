-- The dashboard's rollup (services/analytics/rollup.go): per brand, UTC day
-- of created_at and network, the dashboard's figures that come from the
-- interactions and their latest moderation, each as 24 counts, one per UTC
-- hour (element 1 is 00:00-01:00), the interactions by kind, and the
-- interactions needing a response (id, created_at, SLA due or 0), which the
-- dashboard joins with the replies and decisions as they are. A day is
-- computed whole from the base tables by one INSERT ... SELECT, as one run:
-- run is the computation's start in seconds << 32 | 32 random bits, so the
-- latest run of a day is its largest. A reader takes the rows of the run it
-- chose (kpi_rollup_days), by primary key, without FINAL; the rollup job
-- deletes the runs a later recorded run replaced. Small granules: a brand's
-- year is a few thousand rows among every brand's.
CREATE TABLE IF NOT EXISTS kpi_days (
    brand String,
    day Date,
    network String,
    interactions Array(UInt64),
    engagements Array(UInt64),
    comments Array(UInt64),
    positive Array(UInt64),
    neutral Array(UInt64),
    negative Array(UInt64),
    kinds Array(String),
    kind_interactions Array(UInt64),
    needing_ids Array(String),
    needing_created Array(DateTime),
    needing_due Array(UInt32),
    run UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (brand, day, run, network)
SETTINGS index_granularity = 256;
-- The computations of each UTC day, recorded once its rows are written:
-- started_at is ClickHouse's now() read before the computation read the
-- base tables, run its rows' run. The latest run of a day is kept.
CREATE TABLE IF NOT EXISTS kpi_rollup_days (
    brand String,
    day Date,
    started_at DateTime,
    run UInt64
) ENGINE = ReplacingMergeTree(run)
ORDER BY (brand, day);
-- Days whose base rows changed: the sink marks the UTC days of the
-- created_at of what it wrote, after writing it, with ClickHouse's now().
-- A day's rollup is used only when its latest computation started after its
-- latest mark (strictly: now() has second precision).
CREATE TABLE IF NOT EXISTS kpi_dirty_days (
    brand String,
    day Date,
    marked_at DateTime
) ENGINE = ReplacingMergeTree(marked_at)
ORDER BY (brand, day);
-- The brand's DMs, for the replies sent to DMs (kpis.go): a lookup by id
-- instead of reading the kind of every interaction of the brand.
CREATE TABLE IF NOT EXISTS interaction_dms (
    brand String,
    id String,
    network String,
    created_at DateTime
) ENGINE = ReplacingMergeTree
ORDER BY (brand, id)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interaction_dms_mv TO interaction_dms AS
SELECT brand, id, network, created_at FROM interactions WHERE kind = 'dm';
INSERT INTO interaction_dms (brand, id, network, created_at)
SELECT brand, id, network, created_at FROM interactions WHERE kind = 'dm';
