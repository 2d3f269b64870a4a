-- Per-order KPI facts (engine/metrics/order-facts.ts), so that GET /api/kpis reads one row per
-- order instead of joining eight tables. Every order has exactly one row, made by a trigger when
-- the order is inserted. The rollup_kpis job (engine/metrics/kpi-rollup.ts) fills in the facts of
-- orders whose run is not running (finished, or waiting for days on a delivery or a return
-- window); the KPI queries read a filled row as it is and compute the facts of every other order
-- (open or claimed) from the order tables, so their results never depend on when the job last ran.
--
-- A filled row is only read as it is while its order has no row in order_kpi_dirty: every write
-- to a table the facts are made of notes the order there once its row is claimed or filled (the
-- triggers below), and the rollup reopens the rows noted. Writes for orders being processed,
-- almost all of the engine's, find the row open and write nothing: one index probe each.
--
-- state: open    - facts not known here (order still running, or changed since they were filled)
--        claimed - the rollup will fill it once every transaction that might have written to the
--                  order without seeing the claim has ended (claim_xid; see kpi-rollup.ts)
--        filled  - the columns below hold the order's facts
create table order_kpi_facts (
  order_id bigint primary key references orders (id) on delete cascade,
  -- copies of the order's columns that choose the cohort (kept in step by a trigger on orders)
  placed_at timestamptz not null,
  channel text not null,
  state text not null default 'open' check (state in ('open', 'claimed', 'filled')),
  claim_xid xid8,
  -- the facts (null until filled)
  units integer,                -- units on the order's lines
  shipped boolean,              -- it has a shipment
  returned jsonb,               -- units returned by reason, returns not rejected ({"damaged": 2}); null if none
  picked boolean,               -- a pick-list line of it was confirmed
  pick_error boolean,           -- a pick error, or a not-rejected "wrong_item" return
  delivered_at timestamptz,     -- the last delivery, when every shipment is delivered
  stock_checked boolean,        -- a reservation or a backorder
  backordered boolean,
  payment_attempted boolean,
  payment_failed boolean,       -- an attempt failed
  first_booked_at timestamptz,  -- the first shipment (by booking time, then id)
  first_service text
);
create index order_kpi_facts_placed on order_kpi_facts (placed_at);
-- the rows a KPI query computes itself, and those the rollup looks at: few, whatever the history
create index order_kpi_facts_unfilled on order_kpi_facts (placed_at) where state <> 'filled';

insert into order_kpi_facts (order_id, placed_at, channel) select id, placed_at, channel from orders;

create function order_kpi_facts_add() returns trigger language plpgsql as $$
begin
  insert into order_kpi_facts (order_id, placed_at, channel) values (new.id, new.placed_at, new.channel);
  return null;
end $$;

create trigger order_kpi_facts_add after insert on orders
  for each row execute function order_kpi_facts_add();

create function order_kpi_facts_copy() returns trigger language plpgsql as $$
begin
  update order_kpi_facts set placed_at = new.placed_at, channel = new.channel where order_id = new.id;
  return null;
end $$;

create trigger order_kpi_facts_copy after update of placed_at, channel on orders
  for each row when (old.placed_at is distinct from new.placed_at or old.channel is distinct from new.channel)
  execute function order_kpi_facts_copy();

-- Orders whose facts changed after they were claimed or filled: the KPI queries compute them
-- as if open, the rollup reopens them. Append-only and unindexed, so that a writer only inserts:
-- it never locks a facts row (writers that change several orders in one transaction, such as a
-- pick confirmation, would otherwise lock facts rows in their own order and could deadlock with
-- each other or with the rollup's fill).
create table order_kpi_dirty (
  order_id bigint not null
);

-- A write to a table the facts are made of: note the order when its facts are claimed or filled.
-- Writes for orders being processed, almost all of the engine's, find the row open: one index
-- probe, nothing written. (An open row read here while a claim is committing is the rollup's
-- concern: it waits for this transaction before it reads the facts; see kpi-rollup.ts.)
create function order_kpi_facts_stale() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' and old.order_id is not null
    and exists (select 1 from order_kpi_facts where order_id = old.order_id and state <> 'open') then
    insert into order_kpi_dirty (order_id) values (old.order_id);
  end if;
  if tg_op <> 'DELETE' and new.order_id is not null
    and (tg_op = 'INSERT' or new.order_id is distinct from old.order_id)
    and exists (select 1 from order_kpi_facts where order_id = new.order_id and state <> 'open') then
    insert into order_kpi_dirty (order_id) values (new.order_id);
  end if;
  return null;
end $$;

create trigger order_kpi_facts_stale after insert or update or delete on order_lines
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on shipments
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on returns
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on pick_list_lines
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on pick_errors
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on reservations
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on backorders
  for each row execute function order_kpi_facts_stale();
create trigger order_kpi_facts_stale after insert or update or delete on payments
  for each row execute function order_kpi_facts_stale();
