-- Contest draws, kept for audit: the rules, the recorded seed, the eligible
-- entries in the order the algorithm reads them, and the winners. A draw is
-- written once (the service checks its id first); FINAL guards against a
-- concurrent double write of the same draw.
CREATE TABLE IF NOT EXISTS contest_draws (
    id String,
    brand String,
    network String,
    post_id String,
    rules String,
    seed String,
    algorithm String,
    eligible_authors Array(String),
    eligible_entries Array(String),
    excluded_entries Array(String),
    winners Array(String),
    drawn_by String,
    drawn_at DateTime
) ENGINE = ReplacingMergeTree(drawn_at)
ORDER BY (brand, id);
