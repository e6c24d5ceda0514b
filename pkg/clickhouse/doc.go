// Package clickhouse is Ruche's one ClickHouse helper: configuration, a
// connection that creates its database, the server version and the features
// it implies, and a small migrations runner.
//
// Production runs a current ClickHouse, while development machines and CI run
// Debian's clickhouse-server 18.16 (deploy/clickhouse/ensure-local.sh starts
// one). Code built on this package keeps to what both understand, and switches
// newer features on through Features, derived from the server's version():
//
//   - write rows with a batch that names its columns,
//     Conn().PrepareBatch(ctx, "INSERT INTO t (a, b, c)"): without the column
//     list the batch has zero columns on 18.16;
//   - never Exec an "INSERT ... VALUES" statement: it hangs on 18.16;
//   - bind user input as query arguments (Conn().Query(ctx, "... WHERE brand = ?", brand)),
//     never by concatenating it into the query text; server-side query
//     parameters ({name:Type}) do not exist on 18.16, the driver's client-side
//     binding quotes and escapes every value;
//   - LowCardinality, TTL, DateTime64, insert_deduplication_token and async
//     inserts are used only behind a Features check, or in a migration gated
//     with "-- requires: <feature>" (see Migrate).
//
// golang-migrate hangs against 18.16 while recording its version, hence Migrate:
// embedded NNNN_name.sql files applied in order and recorded in a
// schema_migrations table.
package clickhouse
