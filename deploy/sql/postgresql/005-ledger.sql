-- The ledger (PostgreSQL): every message event, order, attribution and lead, in our own tables. Reports are SQL over these,
-- never a scan of grains. Grains append idempotently: every row has a key, so appending the same entry twice
-- changes nothing. Times are Unix milliseconds (UTC); money is in ten-thousandths of the currency's unit, so sums
-- are exact in SQLite and PostgreSQL alike. Only recovery_leads holds personal data; an erase deletes its rows.

-- One row per message, with what the reports need of it: whose it is, its step and variant, and when it was
-- planned, came due (decided), went out and was first clicked.
CREATE TABLE IF NOT EXISTS recovery_messages
(
    message_id       text    NOT NULL PRIMARY KEY,
    owner_kind       text    NOT NULL,
    owner_id         text    NOT NULL,
    customer_key     text    NOT NULL,
    shop_customer_id text    NULL,
    flow             text    NOT NULL,
    step             integer NOT NULL,
    marketing        integer NOT NULL,
    variant          text    NULL,
    coupon_code      text    NULL,
    planned_at       bigint  NULL,
    decided_at       bigint  NULL,
    sent_at          bigint  NULL,
    first_clicked_at bigint  NULL
);
CREATE INDEX IF NOT EXISTS ix_recovery_messages_customer ON recovery_messages (customer_key);
CREATE INDEX IF NOT EXISTS ix_recovery_messages_shop_customer ON recovery_messages (shop_customer_id) WHERE shop_customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_recovery_messages_owner ON recovery_messages (owner_kind, owner_id);

-- Every event of every message: planned, sent, deferred, skipped (with its reason), failed, clicked.
CREATE TABLE IF NOT EXISTS recovery_message_events
(
    message_id text    NOT NULL,
    kind       text    NOT NULL,
    at         bigint  NOT NULL,
    reason     text    NULL,
    PRIMARY KEY (message_id, kind, at)
);

-- Every order, once, however often the storefront reported it.
CREATE TABLE IF NOT EXISTS recovery_orders
(
    order_id          text    NOT NULL PRIMARY KEY,
    customer_key      text    NOT NULL,
    shop_customer_id  text    NULL,
    cart_id           text    NULL,
    currency          text    NOT NULL,
    subtotal          bigint  NOT NULL,
    total             bigint  NOT NULL,
    placed_at         bigint  NOT NULL,
    paid_at           bigint  NULL,
    cancelled_at      bigint  NULL,
    payment_failed_at bigint  NULL,
    decline_reason    text    NULL,
    coupon_code       text    NULL,
    discount          bigint  NULL
);
CREATE INDEX IF NOT EXISTS ix_recovery_orders_customer ON recovery_orders (customer_key);
CREATE INDEX IF NOT EXISTS ix_recovery_orders_shop_customer ON recovery_orders (shop_customer_id) WHERE shop_customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_recovery_orders_payment_failed ON recovery_orders (payment_failed_at) WHERE payment_failed_at IS NOT NULL;

-- Coupons we issued, redeemed by an order: the discount reported beside the order's revenue.
CREATE TABLE IF NOT EXISTS recovery_redemptions
(
    code        text    NOT NULL PRIMARY KEY,
    order_id    text    NOT NULL,
    percent_off bigint  NOT NULL,
    at          bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_recovery_redemptions_order ON recovery_redemptions (order_id);

-- The message that recovered an order: at most one per order.
CREATE TABLE IF NOT EXISTS recovery_attributions
(
    order_id     text    NOT NULL PRIMARY KEY,
    message_id   text    NOT NULL,
    flow         text    NOT NULL,
    step         integer NOT NULL,
    variant      text    NOT NULL,
    converted_at bigint  NOT NULL,
    currency     text    NOT NULL,
    revenue      bigint  NOT NULL,
    discount     bigint  NOT NULL
);

-- A cart or order in a flow, from its first step that came due; its group (treated or the control group) from its
-- first marketing step that did, and its conversion: the first order within the window after one of those steps.
CREATE TABLE IF NOT EXISTS recovery_entries
(
    owner_kind         text    NOT NULL,
    owner_id           text    NOT NULL,
    flow               text    NOT NULL,
    customer_key       text    NOT NULL,
    shop_customer_id   text    NULL,
    entered_at         bigint  NOT NULL,
    grp                text    NULL,
    grp_at             bigint  NULL,
    converted_order_id text    NULL,
    currency           text    NULL,
    revenue            bigint  NULL,
    PRIMARY KEY (owner_kind, owner_id, flow)
);
CREATE INDEX IF NOT EXISTS ix_recovery_entries_customer ON recovery_entries (customer_key);
CREATE INDEX IF NOT EXISTS ix_recovery_entries_shop_customer ON recovery_entries (shop_customer_id) WHERE shop_customer_id IS NOT NULL;

-- Abandoned carts and failed payments as the leads list shows them: the only personal data in the ledger.
CREATE TABLE IF NOT EXISTS recovery_leads
(
    type             text    NOT NULL,
    id               text    NOT NULL,
    customer_key     text    NOT NULL,
    email            text    NOT NULL,
    first_name       text    NOT NULL,
    last_name        text    NULL,
    locale           text    NULL,
    country          text    NULL,
    items            text    NOT NULL,
    total            bigint  NOT NULL,
    currency         text    NOT NULL,
    created_at       bigint  NOT NULL,
    last_activity_at bigint  NOT NULL,
    steps_sent       integer NOT NULL,
    coupon_code      text    NULL,
    outcome          text    NOT NULL,
    order_id         text    NULL,
    finished_at      bigint  NULL,
    decline_reason   text    NULL,
    revision         bigint  NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE INDEX IF NOT EXISTS ix_recovery_leads_created ON recovery_leads (created_at, type, id);
CREATE INDEX IF NOT EXISTS ix_recovery_leads_customer ON recovery_leads (customer_key);

-- Customers by key: an unsubscribe, an erase.
CREATE TABLE IF NOT EXISTS recovery_customers
(
    customer_key    text    NOT NULL PRIMARY KEY,
    unsubscribed_at bigint  NULL,
    erased_at       bigint  NULL
);

-- Counts per UTC day (days since 1970-01-01), flow, step and variant, kept with every row above, so a report over
-- any period reads a few hundred rows however many messages it covers. Step 0 holds the flow's own figures
-- (entries and the control group). Metric and detail: sent, clicked, planned; skipped, deferred and failed by
-- reason; recovered; revenue and discount by currency; entered, treated_entered, control_entered, treated_converted,
-- control_converted; treated_revenue and control_revenue by currency.
CREATE TABLE IF NOT EXISTS recovery_daily
(
    day     bigint  NOT NULL,
    flow    text    NOT NULL,
    step    integer NOT NULL,
    variant text    NOT NULL,
    metric  text    NOT NULL,
    detail  text    NOT NULL,
    count   bigint  NOT NULL,
    amount  bigint  NOT NULL,
    shard   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, flow, step, variant, metric, detail, shard)
);
