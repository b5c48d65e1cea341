-- The ledger: every message event, order, attribution and lead, in our own tables. Reports are SQL over these,
-- never a scan of grains. Grains append idempotently: every row has a key, so appending the same entry twice
-- changes nothing. Times are Unix milliseconds (UTC); money is in ten-thousandths of the currency's unit, so sums
-- are exact in SQLite and PostgreSQL alike. Only recovery_leads holds personal data; an erase deletes its rows.

-- One row per message, with what the reports need of it: whose it is, its step and variant, and when it was
-- planned, came due (decided), went out and was first clicked.
CREATE TABLE IF NOT EXISTS recovery_messages
(
    message_id       TEXT    NOT NULL PRIMARY KEY,
    owner_kind       TEXT    NOT NULL,
    owner_id         TEXT    NOT NULL,
    customer_key     TEXT    NOT NULL,
    shop_customer_id TEXT    NULL,
    flow             TEXT    NOT NULL,
    step             INTEGER NOT NULL,
    marketing        INTEGER NOT NULL,
    variant          TEXT    NULL,
    coupon_code      TEXT    NULL,
    planned_at       INTEGER NULL,
    decided_at       INTEGER NULL,
    sent_at          INTEGER NULL,
    first_clicked_at INTEGER NULL
);
CREATE INDEX IF NOT EXISTS ix_recovery_messages_customer ON recovery_messages (customer_key);
CREATE INDEX IF NOT EXISTS ix_recovery_messages_shop_customer ON recovery_messages (shop_customer_id) WHERE shop_customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_recovery_messages_owner ON recovery_messages (owner_kind, owner_id);

-- Every event of every message: planned, sent, deferred, skipped (with its reason), failed, clicked.
CREATE TABLE IF NOT EXISTS recovery_message_events
(
    message_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    reason     TEXT    NULL,
    PRIMARY KEY (message_id, kind, at)
);

-- Every order, once, however often the storefront reported it.
CREATE TABLE IF NOT EXISTS recovery_orders
(
    order_id          TEXT    NOT NULL PRIMARY KEY,
    customer_key      TEXT    NOT NULL,
    shop_customer_id  TEXT    NULL,
    cart_id           TEXT    NULL,
    currency          TEXT    NOT NULL,
    subtotal          INTEGER NOT NULL,
    total             INTEGER NOT NULL,
    placed_at         INTEGER NOT NULL,
    paid_at           INTEGER NULL,
    cancelled_at      INTEGER NULL,
    payment_failed_at INTEGER NULL,
    decline_reason    TEXT    NULL,
    coupon_code       TEXT    NULL,
    discount          INTEGER NULL
);
CREATE INDEX IF NOT EXISTS ix_recovery_orders_customer ON recovery_orders (customer_key);
CREATE INDEX IF NOT EXISTS ix_recovery_orders_shop_customer ON recovery_orders (shop_customer_id) WHERE shop_customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_recovery_orders_payment_failed ON recovery_orders (payment_failed_at) WHERE payment_failed_at IS NOT NULL;

-- Coupons we issued, redeemed by an order: the discount reported beside the order's revenue.
CREATE TABLE IF NOT EXISTS recovery_redemptions
(
    code        TEXT    NOT NULL PRIMARY KEY,
    order_id    TEXT    NOT NULL,
    percent_off INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_recovery_redemptions_order ON recovery_redemptions (order_id);

-- The message that recovered an order: at most one per order.
CREATE TABLE IF NOT EXISTS recovery_attributions
(
    order_id     TEXT    NOT NULL PRIMARY KEY,
    message_id   TEXT    NOT NULL,
    flow         TEXT    NOT NULL,
    step         INTEGER NOT NULL,
    variant      TEXT    NOT NULL,
    converted_at INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    revenue      INTEGER NOT NULL,
    discount     INTEGER NOT NULL
);

-- A cart or order in a flow, from its first step that came due; its group (treated or the control group) from its
-- first marketing step that did, and its conversion: the first order within the window after one of those steps.
CREATE TABLE IF NOT EXISTS recovery_entries
(
    owner_kind         TEXT    NOT NULL,
    owner_id           TEXT    NOT NULL,
    flow               TEXT    NOT NULL,
    customer_key       TEXT    NOT NULL,
    shop_customer_id   TEXT    NULL,
    entered_at         INTEGER NOT NULL,
    grp                TEXT    NULL,
    grp_at             INTEGER NULL,
    converted_order_id TEXT    NULL,
    currency           TEXT    NULL,
    revenue            INTEGER NULL,
    PRIMARY KEY (owner_kind, owner_id, flow)
);
CREATE INDEX IF NOT EXISTS ix_recovery_entries_customer ON recovery_entries (customer_key);
CREATE INDEX IF NOT EXISTS ix_recovery_entries_shop_customer ON recovery_entries (shop_customer_id) WHERE shop_customer_id IS NOT NULL;

-- Abandoned carts and failed payments as the leads list shows them: the only personal data in the ledger.
CREATE TABLE IF NOT EXISTS recovery_leads
(
    type             TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    customer_key     TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    first_name       TEXT    NOT NULL,
    last_name        TEXT    NULL,
    locale           TEXT    NULL,
    country          TEXT    NULL,
    items            TEXT    NOT NULL,
    total            INTEGER NOT NULL,
    currency         TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    steps_sent       INTEGER NOT NULL,
    coupon_code      TEXT    NULL,
    outcome          TEXT    NOT NULL,
    order_id         TEXT    NULL,
    finished_at      INTEGER NULL,
    decline_reason   TEXT    NULL,
    revision         INTEGER NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE INDEX IF NOT EXISTS ix_recovery_leads_created ON recovery_leads (created_at, type, id);
CREATE INDEX IF NOT EXISTS ix_recovery_leads_customer ON recovery_leads (customer_key);

-- Customers by key: an unsubscribe, an erase.
CREATE TABLE IF NOT EXISTS recovery_customers
(
    customer_key    TEXT    NOT NULL PRIMARY KEY,
    unsubscribed_at INTEGER NULL,
    erased_at       INTEGER NULL
);

-- Counts per UTC day (days since 1970-01-01), flow, step and variant, kept with every row above, so a report over
-- any period reads a few hundred rows however many messages it covers. Step 0 holds the flow's own figures
-- (entries and the control group). Metric and detail: sent, clicked, planned; skipped, deferred and failed by
-- reason; recovered; revenue and discount by currency; entered, treated_entered, control_entered, treated_converted,
-- control_converted; treated_revenue and control_revenue by currency.
CREATE TABLE IF NOT EXISTS recovery_daily
(
    day     INTEGER NOT NULL,
    flow    TEXT    NOT NULL,
    step    INTEGER NOT NULL,
    variant TEXT    NOT NULL,
    metric  TEXT    NOT NULL,
    detail  TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    amount  INTEGER NOT NULL,
    PRIMARY KEY (day, flow, step, variant, metric, detail)
);
