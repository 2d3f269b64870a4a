-- The warehouse and money side of the order process: catalogue, stock, picking, shipping,
-- payments, refunds and returns. Money is numeric(14, 2), never float; weights in grams and
-- dimensions in millimetres as integers.

create table products (
  sku text primary key check (sku <> ''),
  name text not null,
  weight_g integer not null check (weight_g > 0),
  length_mm integer not null check (length_mm > 0),
  width_mm integer not null check (width_mm > 0),
  height_mm integer not null check (height_mm > 0),
  fragile boolean not null default false,
  zone text not null,
  bin text not null,
  price numeric(14, 2) not null check (price >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index products_zone on products (zone, bin);

-- Stock per SKU. The checks are the last line of defence against overselling: a reservation is
-- one conditional UPDATE (engine/warehouse/reserve-stock.ts), and these make a bug fail loudly.
create table inventory (
  sku text primary key references products (sku),
  on_hand integer not null default 0 check (on_hand >= 0),
  reserved integer not null default 0 check (reserved >= 0),
  updated_at timestamptz not null default now(),
  check (reserved <= on_hand)
);

create table reservations (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  sku text not null references products (sku),
  quantity integer not null check (quantity > 0),
  status text not null default 'reserved' check (status in ('reserved', 'released', 'consumed')),
  step_id bigint references steps (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index reservations_order on reservations (order_id, status);
create index reservations_sku_open on reservations (sku) where status = 'reserved';

-- Lines waiting for stock; a `restocked` event for the SKU sends the order back to check-stock.
create table backorders (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  sku text not null references products (sku),
  quantity integer not null check (quantity > 0),
  status text not null default 'open' check (status in ('open', 'fulfilled', 'cancelled')),
  expected_at timestamptz,
  created_at timestamptz not null default now(),
  closed_at timestamptz
);
-- one open backorder per order and SKU: a second visit of check-stock updates it
create unique index backorders_one_open on backorders (order_id, sku) where status = 'open';
create index backorders_sku_open on backorders (sku) where status = 'open';

create table supplier_orders (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  -- the step key: a retried step finds its supplier order instead of placing a second one
  idempotency_key text not null unique,
  supplier text not null,
  supplier_email text,
  lines jsonb not null,
  status text not null default 'requested' check (status in ('requested', 'confirmed', 'shipped', 'cancelled')),
  created_at timestamptz not null default now()
);
create index supplier_orders_order on supplier_orders (order_id);

create table pick_lists (
  id bigserial primary key,
  strategy text not null check (strategy in ('single', 'batch', 'zone', 'wave')),
  -- set for zone lists and the per-zone lists of a wave
  zone text,
  -- the wave's name (its scheduled release time, ISO) for wave lists
  wave text,
  status text not null default 'open' check (status in ('open', 'released', 'picked')),
  -- higher is picked first: express/priority orders raise the list they are on
  priority integer not null default 0,
  -- open lists are released at this time (batch window end, wave schedule) if not before
  release_at timestamptz,
  created_at timestamptz not null default now(),
  released_at timestamptz,
  picked_at timestamptz,
  check (status = 'open' or released_at is not null),
  check (status <> 'picked' or picked_at is not null)
);
create index pick_lists_open on pick_lists (strategy, zone, priority) where status = 'open';
create index pick_lists_queue on pick_lists (priority desc, released_at, id) where status = 'released';

create table pick_list_lines (
  id bigserial primary key,
  pick_list_id bigint not null references pick_lists (id),
  order_id bigint not null references orders (id),
  sku text not null references products (sku),
  zone text not null,
  bin text not null,
  quantity integer not null check (quantity > 0),
  -- null until the list is confirmed
  picked_quantity integer check (picked_quantity >= 0),
  -- set when pack has verified and boxed these units: a later partial shipment picks afresh
  packed_at timestamptz
);
create index pick_list_lines_list on pick_list_lines (pick_list_id);
create index pick_list_lines_order on pick_list_lines (order_id);

-- Every mismatch found at picking or at pack verification: the picking-accuracy KPI reads this.
create table pick_errors (
  id bigserial primary key,
  pick_list_id bigint references pick_lists (id),
  order_id bigint references orders (id),
  sku text not null,
  expected integer not null check (expected >= 0),
  actual integer not null check (actual >= 0),
  kind text not null check (kind in ('short', 'over', 'wrong_item')),
  source text not null default 'pick' check (source in ('pick', 'pack')),
  created_at timestamptz not null default now()
);
create index pick_errors_order on pick_errors (order_id);
create index pick_errors_created on pick_errors (created_at);

create table shipments (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  idempotency_key text not null unique,
  carrier text not null,
  service text not null check (service in ('standard', 'express')),
  tracking_number text not null unique,
  tracking_url text not null,
  label_svg text not null,
  parcels jsonb not null,
  status text not null default 'booked' check (status in ('booked', 'in_transit', 'delivered', 'lost', 'returned')),
  booked_at timestamptz not null default now(),
  delivered_at timestamptz,
  check (status <> 'delivered' or delivered_at is not null)
);
create index shipments_order on shipments (order_id);

create table payments (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  idempotency_key text not null unique,
  provider text not null,
  method text not null,
  amount numeric(14, 2) not null check (amount >= 0),
  currency char(3) not null,
  status text not null check (status in ('captured', 'failed', 'pending')),
  provider_ref text,
  failure_reason text,
  created_at timestamptz not null default now(),
  captured_at timestamptz,
  check (status <> 'captured' or captured_at is not null)
);
create index payments_order on payments (order_id);

create table returns (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  -- [{ sku, quantity }]
  lines jsonb not null,
  -- a code from the return node's configurable list (damaged, wrong_item, ...)
  reason text not null,
  comment text not null default '',
  status text not null default 'requested'
    check (status in ('requested', 'approved', 'rejected', 'received', 'refunded')),
  rejection_reason text,
  -- as received: resellable goes back to stock, anything else is written off
  condition text check (condition in ('resellable', 'opened', 'damaged')),
  refund_amount numeric(14, 2) check (refund_amount >= 0),
  requested_at timestamptz not null default now(),
  decided_at timestamptz,
  received_at timestamptz,
  refunded_at timestamptz
);
create index returns_order on returns (order_id);
create index returns_reason on returns (reason, status);

create table refunds (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  payment_id bigint references payments (id),
  return_id bigint references returns (id),
  idempotency_key text not null unique,
  amount numeric(14, 2) not null check (amount > 0),
  currency char(3) not null,
  status text not null check (status in ('refunded', 'failed')),
  provider_ref text,
  reason text not null default '',
  created_at timestamptz not null default now()
);
create index refunds_order on refunds (order_id);

-- The simulated outside world keeps its own ledger, written outside the step's transaction
-- like a real provider's: a step that rolls back after a capture still finds the charge by key.
create table simulated_provider_charges (
  key text primary key,
  kind text not null check (kind in ('capture', 'refund')),
  order_id bigint,
  amount numeric(14, 2) not null,
  currency char(3) not null,
  status text not null check (status in ('captured', 'failed', 'refunded', 'timed_out')),
  ref text not null,
  -- for refunds: the capture's ref
  charge_ref text,
  reason text,
  created_at timestamptz not null default now()
);
create index simulated_provider_charges_charge on simulated_provider_charges (charge_ref) where charge_ref is not null;

create table simulated_channel_updates (
  id bigserial primary key,
  channel text not null,
  external_id text not null,
  tracking_number text not null,
  created_at timestamptz not null default now(),
  unique (channel, external_id, tracking_number)
);
