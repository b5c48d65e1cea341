-- The connectors' deliveries (Shopify, WooCommerce, Stripe webhooks), kept 7 days for the operator: when each came,
-- its topic and what became of it. recovery_connector_claims holds each provider's delivery ids, so a delivery the
-- provider repeats is applied once, by whichever API process gets it; a claim never completed (the process stopped
-- halfway) is taken over after 2 minutes.
CREATE TABLE IF NOT EXISTS recovery_connector_deliveries
(
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider     text   NOT NULL,
    delivery_id  text,
    received_at  bigint NOT NULL,
    topic        text   NOT NULL,
    outcome      text   NOT NULL,
    reason       text
);
CREATE INDEX IF NOT EXISTS recovery_connector_deliveries_received ON recovery_connector_deliveries (received_at);

CREATE TABLE IF NOT EXISTS recovery_connector_claims
(
    provider     text    NOT NULL,
    delivery_id  text    NOT NULL,
    claimed_at   bigint  NOT NULL,
    completed    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (provider, delivery_id)
);
CREATE INDEX IF NOT EXISTS recovery_connector_claims_claimed ON recovery_connector_claims (claimed_at);
