-- requires: low_cardinality
-- Dictionary-encode the columns with few distinct values (19.3+). Skipped on
-- older servers; nothing depends on it.
ALTER TABLE interactions
    MODIFY COLUMN network LowCardinality(String),
    MODIFY COLUMN kind LowCardinality(String),
    MODIFY COLUMN lang LowCardinality(String),
    MODIFY COLUMN source LowCardinality(String);
ALTER TABLE interaction_state
    MODIFY COLUMN network LowCardinality(String),
    MODIFY COLUMN verdict LowCardinality(String);
