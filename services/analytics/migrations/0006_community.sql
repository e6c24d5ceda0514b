-- Audience of the brand's accounts: follower counts over time
-- (community.followers_counted.v1) and the followers the networks name
-- (community.followed.v1). Both collapse redeliveries on their sorting key.
CREATE TABLE IF NOT EXISTS follower_snapshots (
    id String,
    brand String,
    network String,
    account String,
    followers Int64,
    following Int64,
    taken_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, network, account, taken_at);
CREATE TABLE IF NOT EXISTS followers (
    id String,
    brand String,
    network String,
    account String,
    follower_id String,
    follower_handle String,
    follower_name String,
    follower_followers Int64,
    followed_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, network, account, follower_id);
