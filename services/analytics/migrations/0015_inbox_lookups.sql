-- Lookups of the inbox's item panel (inbox/detail.go), each sorted for one
-- question: interactions is sorted by (brand, created_at, id), so finding an
-- id, a thread or an author's interactions there reads (FINAL) the brand's
-- whole history. Each lookup gives the keys (created_at, id) of the copies
-- it finds; the panel then reads those rows through the primary key of
-- interactions, collapses them as FINAL does and checks them again (a
-- lookup row is a hint, the interaction row is the truth). Materialized
-- views fill them on every insert into interactions; the INSERT ... SELECT
-- statements copy the rows stored before. Running them twice only adds
-- rows with the same sorting key, which collapse and which readers take once.
-- Small granules: a lookup reads a few rows among the brand's millions.
--
-- interactions_by_id: where an id's copies are.
CREATE TABLE IF NOT EXISTS interactions_by_id (
    brand String,
    id String,
    created_at DateTime,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, id, created_at)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interactions_by_id_mv TO interactions_by_id AS
SELECT brand, id, created_at, inserted_at FROM interactions;
INSERT INTO interactions_by_id (brand, id, created_at, inserted_at)
SELECT brand, id, created_at, inserted_at FROM interactions;
-- interactions_by_thread: the interactions of a thread, by the thread's
-- root on its network. The panel's thread is every interaction whose
-- thread_id or platform_id is the root: each interaction is stored under
-- both (an empty one left out).
CREATE TABLE IF NOT EXISTS interactions_by_thread (
    brand String,
    network String,
    thread String,
    created_at DateTime,
    id String,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, network, thread, created_at, id)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interactions_by_thread_mv TO interactions_by_thread AS
SELECT brand, network, thread, created_at, id, inserted_at FROM interactions
ARRAY JOIN [thread_id, platform_id] AS thread WHERE thread != '';
INSERT INTO interactions_by_thread (brand, network, thread, created_at, id, inserted_at)
SELECT brand, network, thread, created_at, id, inserted_at FROM interactions
ARRAY JOIN [thread_id, platform_id] AS thread WHERE thread != '';
-- interactions_by_author: an author's interactions with the brand on a
-- network, with what the author history counts (kind, created_at) and
-- orders by (received time). It holds the author's id: an erasure
-- (person/erase.go) moves the author's rows to the pseudonym.
CREATE TABLE IF NOT EXISTS interactions_by_author (
    brand String,
    network String,
    author_id String,
    created_at DateTime,
    id String,
    kind String,
    received_at DateTime,
    received_ms UInt16,
    inserted_at DateTime
) ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY (brand, network, author_id, created_at, id)
SETTINGS index_granularity = 256;
CREATE MATERIALIZED VIEW IF NOT EXISTS interactions_by_author_mv TO interactions_by_author AS
SELECT brand, network, author_id, created_at, id, kind, received_at, received_ms, inserted_at FROM interactions;
INSERT INTO interactions_by_author (brand, network, author_id, created_at, id, kind, received_at, received_ms, inserted_at)
SELECT brand, network, author_id, created_at, id, kind, received_at, received_ms, inserted_at FROM interactions;
