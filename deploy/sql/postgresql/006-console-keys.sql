-- The console's key ring (PostgreSQL): ASP.NET Core Data Protection keys that sign and encrypt the console's session
-- and antiforgery cookies. Shared by every API process, so a session opened on one is read by the others, and kept
-- across restarts. Anyone who can read this table can forge a console session: guard the database accordingly.
CREATE TABLE IF NOT EXISTS recovery_console_keys
(
    name       text   NOT NULL PRIMARY KEY,
    xml        text   NOT NULL,
    created_at bigint NOT NULL
);
