import { sql } from 'kysely'
import type { Db } from '../engine/db.ts'

/**
 * The order-side facts the KPIs read, derived from the steps bench/seed-steps.ts wrote, so KPIs
 * and per-node metrics describe the same orders: lines for every order, a payment (failed when
 * the `pay` step left by `failed`), a reservation or a backorder by the `stock` port, pick-list
 * lines (1% with a pick error), a shipment booked when `ship` finished and delivered when
 * `delivery` got its event, returns for ~6% of delivered orders, and the two emails of each
 * order. ~100,000 orders take ~30 s here.
 */
export async function seedOrderFacts(pool: Db): Promise<Record<string, number>> {
  // one connection throughout: the temp table of facts lives on it
  return pool.connection().execute(async (db) => {
    await sql`insert into products (sku, name, weight_g, length_mm, width_mm, height_mm, zone, bin, price)
    select 'SKU-' || g, 'Product ' || g, 100 + g * 10, 100, 80, 50, chr(65 + g % 4), 'B-' || g, 10 + g
    from generate_series(1, 50) g`.execute(db)
    // one row per order with what its steps did
    await sql`create temp table bench_facts as
    select o.id, o.placed_at, o.id % 50 + 1 as sku0,
      (abs(hashint4(o.id::int)) / 2147483647.0)::float8 as h,
      max(s.port) filter (where s.node_id = 'pay') as pay,
      max(s.port) filter (where s.node_id = 'stock') as stock,
      bool_or(s.status = 'completed') filter (where s.node_id = 'pick') as picked,
      max(s.finished_at) filter (where s.node_id = 'ship' and s.status = 'completed') as shipped_at,
      max(s.finished_at) filter (where s.node_id = 'delivery' and s.port = 'event') as delivered_at
    from orders o join runs r on r.order_id = o.id join steps s on s.run_id = r.id
    where o.channel = 'bench' group by o.id`.execute(db)
    await sql`insert into order_lines (order_id, line_no, sku, quantity, unit_price)
    select f.id, n, 'SKU-' || ((f.sku0 + n) % 50 + 1), 1 + (f.id + n) % 3, 10
    from bench_facts f cross join generate_series(1, 1 + (f.id % 3)::int) n`.execute(db)
    await sql`insert into payments (order_id, idempotency_key, provider, method, amount, currency, status, captured_at, created_at)
    select id, 'bench-pay-' || id, 'sim', 'card', 24.9, 'EUR',
      case when pay = 'failed' then 'failed' else 'captured' end,
      case when pay = 'failed' then null else placed_at + interval '1 hour' end, placed_at + interval '1 hour'
    from bench_facts where pay is not null`.execute(db)
    await sql`insert into reservations (order_id, sku, quantity, status, created_at)
    select id, 'SKU-' || sku0, 1, 'consumed', placed_at + interval '3 hours'
    from bench_facts where stock in ('inStock', 'partial')`.execute(db)
    await sql`insert into backorders (order_id, sku, quantity, status, created_at)
    select id, 'SKU-' || sku0, 1, 'fulfilled', placed_at + interval '3 hours'
    from bench_facts where stock in ('partial', 'outOfStock')`.execute(db)
    // batch pick lists of 20 orders
    await sql`insert into pick_lists (id, strategy, status, created_at, released_at, picked_at)
    select id / 20, 'batch', 'picked', min(placed_at), min(placed_at), min(placed_at) + interval '4 hours'
    from bench_facts where picked group by 1`.execute(db)
    await sql`insert into pick_list_lines (pick_list_id, order_id, sku, zone, bin, quantity, picked_quantity)
    select f.id / 20, f.id, l.sku, 'A', 'B-1', l.quantity,
      case when f.h < 0.01 and l.line_no = 1 then l.quantity - 1 else l.quantity end
    from bench_facts f join order_lines l on l.order_id = f.id where f.picked`.execute(db)
    await sql`insert into pick_errors (pick_list_id, order_id, sku, expected, actual, kind, created_at)
    select f.id / 20, f.id, l.sku, l.quantity, l.quantity - 1, 'short', f.placed_at + interval '4 hours'
    from bench_facts f join order_lines l on l.order_id = f.id and l.line_no = 1
    where f.picked and f.h < 0.01`.execute(db)
    await sql`insert into shipments (order_id, idempotency_key, carrier, service, tracking_number, tracking_url, label_svg, parcels, status, booked_at, delivered_at)
    select id, 'bench-ship-' || id, 'SimPost', case when h < 0.1 then 'express' else 'standard' end,
      'BT' || id, 'https://track.example/BT' || id, '<svg/>', '[]',
      case when delivered_at is null then 'in_transit' else 'delivered' end,
      booked, booked + (delivered_at - shipped_at)
    from bench_facts
    -- some shipments miss the SLA: booked up to three days after placing
    cross join lateral (select greatest(shipped_at, placed_at + make_interval(secs => h * 3 * 86400)) as booked) b
    where shipped_at is not null`.execute(db)
    await sql`insert into returns (order_id, lines, reason, status, requested_at)
    select f.id, jsonb_build_array(jsonb_build_object('sku', l.sku, 'quantity', 1)),
      (array['damaged', 'wrong_item', 'too_small', 'not_as_described'])[1 + (f.id % 4)::int],
      case when f.h < 0.2 then 'rejected' when f.h < 0.3 then 'requested' else 'received' end,
      f.delivered_at + interval '3 days'
    from bench_facts f join order_lines l on l.order_id = f.id and l.line_no = 1
    where f.delivered_at is not null and (f.id * 7) % 100 < 6`.execute(db)
    await sql`insert into emails (key, order_id, template, template_version, to_address, subject, html, text, status, created_at, sent_at)
    select 'bench-' || t || '-' || f.id, f.id, t, 1, 'bench@example.com', 'Your order', '<p>Thanks</p>', 'Thanks',
      case when f.h > 0.99 then 'failed' else 'sent' end, e.at, e.at
    from bench_facts f cross join lateral (values ('order-confirmation', f.placed_at), ('shipped', f.shipped_at)) e(t, at)
    where e.at is not null`.execute(db)
    await sql`drop table bench_facts`.execute(db)
    await sql`analyze`.execute(db)
    const counts = await sql<Record<string, number>>`select
    (select count(*) from order_lines)::int as "orderLines", (select count(*) from payments)::int as payments,
    (select count(*) from shipments)::int as shipments, (select count(*) from returns)::int as returns,
    (select count(*) from pick_list_lines)::int as "pickListLines", (select count(*) from emails)::int as emails`.execute(
      db,
    )
    return counts.rows[0]!
  })
}
