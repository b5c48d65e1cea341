-- Upkeep the engine does itself, by task, with how far it got: 'erase-requests' counts erases, 'erase-vacuum' how many
-- of them the last rewrite of the table files covered (so an erase answered before a restart is still vacuumed), and
-- 'customer-rekeying' when the move to keyed customer keys finished.
CREATE TABLE IF NOT EXISTS recovery_maintenance
(
    task    TEXT    NOT NULL PRIMARY KEY,
    done_at INTEGER NOT NULL
);
