-- Flows and their immutable published versions.
create table flows (
  id text primary key,
  name text not null,
  description text not null default '',
  draft jsonb not null,
  active_version integer,
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- at most one default flow
create unique index flows_one_default on flows (is_default) where is_default;

create table flow_versions (
  flow_id text not null references flows (id),
  version integer not null,
  graph jsonb not null,
  note text not null default '',
  published_by text not null,
  published_at timestamptz not null default now(),
  primary key (flow_id, version)
);

create table customers (
  id bigserial primary key,
  email text not null unique,
  name text not null default '',
  created_at timestamptz not null default now()
);

create table orders (
  id bigserial primary key,
  channel text not null,
  external_id text not null,
  customer_id bigint not null references customers (id),
  status text not null default 'received',
  currency char(3) not null,
  shipping_address jsonb not null,
  billing_address jsonb,
  shipping_method text not null,
  payment_method text not null,
  payment jsonb not null default '{}',
  subtotal numeric(14, 2) not null,
  shipping_total numeric(14, 2) not null,
  tax_total numeric(14, 2) not null,
  total numeric(14, 2) not null,
  -- attributes set by rules and nodes: priority, express, gift, packaging, tags, ...
  attributes jsonb not null default '{}',
  tags text[] not null default '{}',
  placed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (channel, external_id)
);
create index orders_customer on orders (customer_id);
create index orders_status on orders (status, id);

create table order_lines (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  line_no integer not null,
  sku text not null,
  name text not null default '',
  quantity integer not null check (quantity > 0),
  unit_price numeric(14, 2) not null check (unit_price >= 0),
  unique (order_id, line_no)
);

-- One run = one order going through one pinned flow version.
create table runs (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  flow_id text not null,
  flow_version integer not null,
  status text not null check (status in ('running', 'waiting', 'completed', 'failed', 'cancelled')),
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  foreign key (flow_id, flow_version) references flow_versions (flow_id, version)
);
-- an order starts exactly one run; a second intake of the same order finds this one
create unique index runs_one_per_order on runs (order_id);
create index runs_flow on runs (flow_id, flow_version, status);

-- One step = one visit of one node in a run; the run's durable timeline.
create table steps (
  id bigserial primary key,
  run_id bigint not null references runs (id),
  node_id text not null,
  node_type text not null,
  visit integer not null,
  status text not null check (status in ('pending', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
  attempt integer not null default 0,
  port text,
  output jsonb,
  state jsonb,
  error text,
  wait_events text[],
  wait_until timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  waiting_since timestamptz,
  finished_at timestamptz,
  unique (run_id, node_id, visit)
);
create index steps_waiting on steps (run_id) where status = 'waiting';
create index steps_open on steps (run_id) where status in ('pending', 'running', 'waiting');

-- Events for an order: kept until a wait consumes them (or forever, as history).
create table events (
  id bigserial primary key,
  order_id bigint not null references orders (id),
  type text not null,
  data jsonb not null default '{}',
  source text not null default 'api',
  consumed_by_step bigint references steps (id),
  created_at timestamptz not null default now()
);
create index events_unconsumed on events (order_id, type, id) where consumed_by_step is null;

create table email_templates (
  key text not null,
  version integer not null,
  name text not null,
  subject text not null,
  html text not null,
  text text not null default '',
  created_by text not null,
  created_at timestamptz not null default now(),
  primary key (key, version)
);

-- The outbox: every email ever sent, keyed so a retried step never sends twice.
create table emails (
  id bigserial primary key,
  key text not null unique,
  order_id bigint references orders (id),
  step_id bigint references steps (id),
  template text not null,
  template_version integer not null,
  to_address text not null,
  subject text not null,
  html text not null,
  text text not null,
  status text not null default 'queued' check (status in ('queued', 'sent', 'stored', 'failed')),
  error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index emails_order on emails (order_id, id);

create table api_tokens (
  id bigserial primary key,
  name text not null,
  role text not null check (role in ('admin', 'operations', 'merchant', 'analyst', 'warehouse', 'channel')),
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

create table audit_log (
  id bigserial primary key,
  actor text not null,
  action text not null,
  target text not null,
  details jsonb not null default '{}',
  at timestamptz not null default now()
);

-- Worker processes and their heartbeats: how a dead worker's locked jobs get released.
create table worker_processes (
  id text primary key,
  hostname text not null,
  pid integer not null,
  graphile_worker_ids text[] not null default '{}',
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now()
);
