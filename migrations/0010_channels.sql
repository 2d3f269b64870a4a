-- Sales channels (Shopify, WooCommerce): a connection an admin configures, the webhook deliveries
-- it sends, and the newest version of each of its orders seen so far.

create table channels (
  id bigserial primary key,
  type text not null check (type in ('shopify', 'woocommerce')),
  -- orders from the channel carry this name as their `channel`
  name text not null,
  -- The webhook secret as the platform shows it. It is not hashed because verifying an
  -- HMAC-SHA256 signature needs the secret itself; the API never returns it.
  secret text not null check (secret <> ''),
  created_by text not null,
  created_at timestamptz not null default now(),
  deleted_at timestamptz
);
-- a recreated channel with the name of a deleted one continues its orders (same dedupe key)
create unique index channels_active_name on channels (lower(name)) where deleted_at is null;

-- One row per platform order: the newest platform version applied. The conditional upsert on
-- external_updated_at is what makes "an older update never overwrites a newer one".
create table channel_orders (
  channel_id bigint not null references channels (id),
  external_id text not null,
  order_id bigint not null references orders (id),
  external_updated_at timestamptz not null,
  payload_sha256 text not null,
  applied_at timestamptz not null default now(),
  primary key (channel_id, external_id)
);
create index channel_orders_order on channel_orders (order_id);

-- Every delivery handled, keyed by the platform's delivery id (Shopify X-Shopify-Event-Id,
-- WooCommerce X-WC-Webhook-Delivery-ID; the body's SHA-256 when there is none): the same
-- delivery again is answered from here and changes nothing.
create table webhook_deliveries (
  channel_id bigint not null references channels (id),
  delivery_id text not null,
  topic text not null,
  external_id text,
  order_id bigint references orders (id),
  outcome text not null check (outcome in ('created', 'existing', 'updated', 'stale', 'ignored')),
  received_at timestamptz not null default now(),
  primary key (channel_id, delivery_id)
);
create index webhook_deliveries_received on webhook_deliveries (channel_id, received_at desc);
