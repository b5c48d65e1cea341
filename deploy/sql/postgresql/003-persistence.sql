-- Grain state. One row per (service, grain, state name); Version is the ETag.
-- GrainIdExtensionString is '' rather than NULL for grains without a string key, so it can sit in the unique key.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NOT NULL DEFAULT '',
    ServiceId              text        NOT NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL,
    Version                integer     NULL
);

-- The lookup and the upsert's conflict target: hashes first (selective), then the full identity.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $sql$
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '');
$sql$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Insert when absent; update only when the stored Version equals the caller's ETag. One statement, one row back:
-- the new version, or NULL when nothing changed, which the provider raises as InconsistentStateException. Two first
-- writes racing each other meet on the unique index: the loser's ON CONFLICT finds a version it did not hold.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $sql$
WITH written AS (
    INSERT INTO OrleansStorage AS s (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                     GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    VALUES (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
            COALESCE(@GrainIdExtensionString, ''), @ServiceId, @PayloadBinary, now(), 1)
    ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
    DO UPDATE SET PayloadBinary = EXCLUDED.PayloadBinary, ModifiedOn = EXCLUDED.ModifiedOn, Version = s.Version + 1
        WHERE s.Version = @GrainStateVersion
    RETURNING s.Version)
SELECT (SELECT Version FROM written) AS NewGrainStateVersion;
$sql$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Clearing keeps the row, and so the version sequence, but drops the payload; same ETag rule as writing.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $sql$
WITH cleared AS (
    INSERT INTO OrleansStorage AS s (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                     GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    VALUES (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
            COALESCE(@GrainIdExtensionString, ''), @ServiceId, NULL, now(), 1)
    ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
    DO UPDATE SET PayloadBinary = NULL, ModifiedOn = EXCLUDED.ModifiedOn, Version = s.Version + 1
        WHERE s.Version = @GrainStateVersion
    RETURNING s.Version)
SELECT (SELECT Version FROM cleared) AS NewGrainStateVersion;
$sql$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
