-- The console's sessions (PostgreSQL): the session cookie names one of these, and the row decides whether it is still open. A
-- sign-out ends it wherever a copy of the cookie is; every session ends 8 hours after sign-in. The id is stored as its
-- SHA-256, so reading this table does not hand anyone a session. Rows go a day after their session ended.
CREATE TABLE IF NOT EXISTS recovery_console_sessions
(
    session_hash text    NOT NULL PRIMARY KEY,
    opened_at    bigint  NOT NULL,
    expires_at   bigint  NOT NULL,
    last_seen_at bigint  NOT NULL,
    ended_at     bigint  NULL,
    device       text    NOT NULL
);
