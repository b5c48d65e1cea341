-- Each silo's ledger writer counts into rows of its own (its shard), so silos never wait on each other's count rows:
-- a transaction holds the rows it increments until it commits, and a silo frozen in the middle of one would otherwise
-- hold every silo's counts of the day. Reports sum the shards. Upgrades a ledger made before the shards, idempotently.
ALTER TABLE recovery_daily ADD COLUMN IF NOT EXISTS shard integer NOT NULL DEFAULT 0;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = 'recovery_daily'::regclass AND i.indisprimary AND a.attname = 'shard')
    THEN
        ALTER TABLE recovery_daily DROP CONSTRAINT recovery_daily_pkey;
        ALTER TABLE recovery_daily ADD CONSTRAINT recovery_daily_pkey PRIMARY KEY (day, flow, step, variant, metric, detail, shard);
    END IF;
END
$$;
