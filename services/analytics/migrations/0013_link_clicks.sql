-- Clicks on the short links of the brand's posts
-- (community.link_clicked.v1), one row per click: bots and previews are
-- not counted upstream; the visitor is a keyed hash, never an address. A
-- redelivered click has the same id and collapses.
CREATE TABLE IF NOT EXISTS link_clicks (
    id String,
    brand String,
    code String,
    network String,
    account String,
    request_id String,
    target String,
    visitor String,
    clicked_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, request_id, network, id);
