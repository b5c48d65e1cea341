-- The connectors' deliveries (Shopify, WooCommerce, Stripe webhooks), kept 7 days for the operator: when each came,
-- its topic and what became of it. recovery_connector_claims holds each provider's delivery ids, so a delivery the
-- provider repeats is applied once; a claim never completed (the process stopped halfway) is taken over after 2 minutes.
CREATE TABLE IF NOT EXISTS recovery_connector_deliveries
(
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider     TEXT    NOT NULL,
    delivery_id  TEXT,
    received_at  INTEGER NOT NULL,
    topic        TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    reason       TEXT
);
CREATE INDEX IF NOT EXISTS recovery_connector_deliveries_received ON recovery_connector_deliveries (received_at);

CREATE TABLE IF NOT EXISTS recovery_connector_claims
(
    provider     TEXT    NOT NULL,
    delivery_id  TEXT    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, delivery_id)
);
CREATE INDEX IF NOT EXISTS recovery_connector_claims_claimed ON recovery_connector_claims (claimed_at);
