-- Orleans Recovery: SQLite schema for the Orleans ADO.NET providers (invariant System.Data.SQLite).
-- Idempotent: applied on every start when Recovery:Database:ApplySchema is true (the default).

-- WAL lets readers run beside the single writer; the setting is stored in the database file.
PRAGMA journal_mode = WAL;

-- Every provider loads its SQL from here by key.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);
