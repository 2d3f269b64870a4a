-- Rollups of the per-node metrics, per UTC day of `created_at` (durations also per month). The
-- rollup_metrics job (engine/metrics/rollup.ts, every 10 minutes) fills them; engine/metrics/
-- node-metrics.ts reads them for the whole days of a window and reads the steps themselves for
-- the rest. Only finished steps (completed, failed, cancelled) are rolled up, because the runner
-- never changes a finished step again; a step still open when it was rolled up is listed in
-- step_rollup_open and read from steps until a later rollup adds it. No trigger: the engine's
-- writes are untouched.

-- One row: the steps created before `rolled_to` are in the rollup (or listed open); the day of
-- `rolled_to` holds those created up to then.
create table step_rollup_state (
  one boolean primary key default true check (one),
  rolled_to timestamptz not null
);

-- Per flow version, node and UTC day of `created_at`.
create table step_rollup_nodes (
  flow_id text not null,
  day timestamptz not null,
  flow_version integer not null,
  node_id text not null,
  node_type text not null,
  entered integer not null,
  completed integer not null,
  failed integer not null,
  cancelled integer not null,
  retried integer not null,
  -- sums for the means; the percentiles come from step_rollup_durations
  processing_n integer not null,
  processing_sum float8 not null,
  waiting_n integer not null,
  waiting_sum float8 not null,
  primary key (flow_id, day, flow_version, node_id)
);

create table step_rollup_ports (
  flow_id text not null,
  day timestamptz not null,
  flow_version integer not null,
  node_id text not null,
  port text not null,
  n integer not null,
  primary key (flow_id, day, flow_version, node_id, port)
);

-- The bin of a duration (ms) in step_rollup_durations. Any order-preserving function would do,
-- since each bin keeps its exact values: the leading 16 bits of a positive IEEE 754 double (sign,
-- exponent, 4 mantissa bits) order like the double itself, so a bin spans 1/16 of a doubling
-- (~4.4%). Durations under 1 ms, and negative ones (a worker's clock stepped back), share bin 0.
-- Not strict, so that PostgreSQL inlines it.
create function duration_bin(ms float8) returns integer
  language sql immutable parallel safe
  return case when ms < 1 then 0 else get_byte(float8send(ms), 0) * 256 + get_byte(float8send(ms), 1) end;

-- The sub-bin (0-15) of a duration within its bin: the next 4 mantissa bits (0 in bin 0).
create function duration_sub(ms float8) returns integer
  language sql immutable parallel safe
  return case when ms < 1 then 0 else get_byte(float8send(ms), 2) >> 4 end;

-- Exact duration histograms per node, kind, bin and day: how many values, how many in each
-- sub-bin, and the values themselves, sorted (so a sub-bin's values are a slice). A percentile
-- counts through the bins to the one holding its rank, through that bin's sub-bins, and sorts only
-- the values of one sub-bin.
create table step_rollup_durations (
  flow_id text not null,
  node_id text not null,
  kind text not null check (kind in ('processing', 'waiting')),
  bin integer not null,
  day timestamptz not null,
  flow_version integer not null,
  n integer not null,
  subs integer[] not null check (cardinality(subs) = 16),
  ms float8[] not null,
  primary key (flow_id, node_id, kind, bin, day, flow_version)
);
create index step_rollup_durations_day on step_rollup_durations (flow_id, day);

-- The same counts per UTC month, so that a long window adds up months instead of days.
create table step_rollup_duration_months (
  flow_id text not null,
  month timestamptz not null,
  flow_version integer not null,
  node_id text not null,
  kind text not null,
  bin integer not null,
  n integer not null,
  primary key (flow_id, month, flow_version, node_id, kind, bin)
);

-- Steps that were open (pending, running, waiting) when they were rolled up. `created_at` is the
-- step's (it never changes): a window picks its open steps here, then reads each by id.
create table step_rollup_open (
  step_id bigint primary key,
  flow_id text not null,
  created_at timestamptz not null
);
create index step_rollup_open_flow on step_rollup_open (flow_id, created_at);
