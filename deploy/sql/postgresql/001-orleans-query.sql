-- Orleans Recovery: PostgreSQL schema for the Orleans ADO.NET providers (invariant Npgsql).
-- Idempotent: the silos apply it on start when Recovery:Database:ApplySchema is true (the default), and a DBA can run
-- the files in name order by hand with psql instead:  for f in deploy/sql/postgresql/*.sql; do psql -f "$f"; done
-- Identifiers are unquoted, so PostgreSQL folds them to lower case; the providers' unquoted SQL and Npgsql's
-- case-insensitive column lookup both match that.

-- Every provider loads its SQL from here by key.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);
