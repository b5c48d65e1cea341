-- Grain state. One row per (service, grain, state name); Version is the ETag.
-- GrainIdExtensionString is '' rather than NULL for grains without a string key, so it can sit in the unique key.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NOT NULL DEFAULT '',
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NULL
);

-- The lookup: hashes first (selective), then the full identity.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString);

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = IFNULL(@GrainIdExtensionString, '''');
');

-- Insert when absent; update only when the stored Version equals the caller''s ETag. Always one row back:
-- the new version, or NULL when nothing changed, which the provider raises as InconsistentStateException.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
                            ServiceId, PayloadBinary, ModifiedOn, Version)
VALUES (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, IFNULL(@GrainIdExtensionString, ''''),
        @ServiceId, @PayloadBinary, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), IFNULL(@GrainStateVersion, 0) + 1)
ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
DO UPDATE SET PayloadBinary = excluded.PayloadBinary, ModifiedOn = excluded.ModifiedOn, Version = OrleansStorage.Version + 1
    WHERE OrleansStorage.Version = @GrainStateVersion;
SELECT CASE WHEN changes() > 0 THEN IFNULL(@GrainStateVersion, 0) + 1 END AS NewGrainStateVersion;
');

-- Clearing keeps the row (and so the version history) but drops the payload; same ETag rule as writing.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
                            ServiceId, PayloadBinary, ModifiedOn, Version)
VALUES (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, IFNULL(@GrainIdExtensionString, ''''),
        @ServiceId, NULL, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), IFNULL(@GrainStateVersion, 0) + 1)
ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
DO UPDATE SET PayloadBinary = NULL, ModifiedOn = excluded.ModifiedOn, Version = OrleansStorage.Version + 1
    WHERE OrleansStorage.Version = @GrainStateVersion;
SELECT CASE WHEN changes() > 0 THEN IFNULL(@GrainStateVersion, 0) + 1 END AS NewGrainStateVersion;
');
