-- Readings of the brand's published posts' counts
-- (community.post_metrics.v1), one row per reading: a post's latest
-- reading is its performance, the readings over time its curve. A count
-- the network does not give is NULL (Mastodon and Bluesky count no
-- impressions). A redelivered reading has the same key and collapses.
CREATE TABLE IF NOT EXISTS post_metrics (
    id String,
    brand String,
    network String,
    account String,
    platform_id String,
    url String,
    request_id String,
    published_at DateTime,
    taken_at DateTime,
    impressions Nullable(Int64),
    reactions Nullable(Int64),
    comments Nullable(Int64),
    shares Nullable(Int64),
    clicks Nullable(Int64),
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, network, platform_id, taken_at);
