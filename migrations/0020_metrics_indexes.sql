-- Indexes for per-node metrics and KPIs (engine/metrics/). Measured with bench/seed-steps.ts
-- (1,000,000 steps): see the timings in engine/metrics/node-metrics.ts.

-- Per-node metrics read steps by time window (created_at = when the order reached the node) and
-- need only these columns: a covering index lets a narrow window be an index-only scan that never
-- touches the heap (where output/state jsonb make rows wide).
create index steps_metrics_window on steps (created_at)
  include (run_id, node_id, status, attempt, port, started_at, waiting_since, finished_at);

-- Steps of one flow (version): runs of the flow first, then their steps by run.
create index runs_flow_metrics on runs (flow_id, flow_version) include (id);

-- "Waiting there now" per node.
create index steps_waiting_node on steps (node_id) include (run_id) where status = 'waiting';

-- KPIs are computed over the orders placed in a window.
create index orders_placed on orders (placed_at) include (customer_id, channel);
-- the open-only index of 0002 cannot answer "did this order ever have a backorder"
create index backorders_order on backorders (order_id);
create index emails_created on emails (created_at) include (template, order_id, status);
