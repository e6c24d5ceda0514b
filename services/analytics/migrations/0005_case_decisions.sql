-- Moderators' decisions on cases (case.decided.v1), one row per decision.
-- version is decided_at in milliseconds: the latest decision wins (argMax);
-- the assignee is the one of the latest "assign" decision.
CREATE TABLE IF NOT EXISTS case_decisions (
    id String,
    brand String,
    interaction_id String,
    decision String,
    moderator String,
    assignee String,
    reason String,
    decided_at DateTime,
    version UInt64,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, interaction_id, id);
