-- The console's key ring: ASP.NET Core Data Protection keys that sign and encrypt the console's session and
-- antiforgery cookies, kept across restarts. Anyone who can read this table can forge a console session.
CREATE TABLE IF NOT EXISTS recovery_console_keys
(
    name       TEXT    NOT NULL PRIMARY KEY,
    xml        TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
