-- Upkeep the engine does itself, by task, with how far it got: 'erase-vacuum' holds the newest erasure (its
-- erased_at) whose rows are rewritten out of the table files, so an erase answered before a restart is still vacuumed.
CREATE TABLE IF NOT EXISTS recovery_maintenance
(
    task    TEXT    NOT NULL PRIMARY KEY,
    done_at INTEGER NOT NULL
);
