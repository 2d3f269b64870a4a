import { type Env, guard } from './guard.ts'
import { Hono } from 'hono'
import { z } from 'zod'
import type { Db } from '../db.ts'
import { ApiError, notFound } from '../errors.ts'
import { adjustStock } from '../warehouse/adjust-stock.ts'
import { notifyRestocked } from '../warehouse/notify.ts'
import { type ProductRow, productJson, productRow } from '../warehouse/products.ts'

const dimension = z.number().int().positive().max(10_000)
const productBody = z.object({
  sku: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  name: z.string().min(1).max(300),
  weightG: z.number().int().positive().max(1_000_000),
  lengthMm: dimension,
  widthMm: dimension,
  heightMm: dimension,
  fragile: z.boolean().default(false),
  zone: z.string().min(1).max(50),
  bin: z.string().min(1).max(50),
  price: z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be a decimal string such as "12.50"'),
  onHand: z.number().int().min(0).default(0).describe('initial stock (POST only)'),
})
const productPatch = productBody.omit({ sku: true, onHand: true }).partial()
const adjustBody = z.union([
  z
    .object({
      delta: z
        .number()
        .int()
        .refine((d) => d !== 0, 'a delta of 0 changes nothing'),
    })
    .strict(),
  z.object({ onHand: z.number().int().min(0) }).strict(),
])

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issues = parsed.error.issues
    throw new ApiError(
      400,
      'invalid_request',
      `Invalid request body: ${issues[0]?.message ?? 'see details'}`,
      issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    )
  }
  return parsed.data
}

const json = async (c: { req: { json(): Promise<unknown> } }) =>
  c.req.json().catch(() => {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.')
  })

const columns = (p: z.infer<typeof productPatch>) => ({
  ...(p.name !== undefined && { name: p.name }),
  ...(p.weightG !== undefined && { weight_g: p.weightG }),
  ...(p.lengthMm !== undefined && { length_mm: p.lengthMm }),
  ...(p.widthMm !== undefined && { width_mm: p.widthMm }),
  ...(p.heightMm !== undefined && { height_mm: p.heightMm }),
  ...(p.fragile !== undefined && { fragile: p.fragile }),
  ...(p.zone !== undefined && { zone: p.zone }),
  ...(p.bin !== undefined && { bin: p.bin }),
  ...(p.price !== undefined && { price: p.price }),
})

/** The catalogue and stock levels: `/api/products`, `/api/inventory/:sku/adjust`. */
export function productRoutes({ db }: { db: Db }) {
  const app = new Hono<Env>()
  const load = (sku: string) =>
    db
      .selectFrom('products')
      .innerJoin('inventory', 'inventory.sku', 'products.sku')
      .selectAll('products')
      .select(['inventory.on_hand', 'inventory.reserved'])
      .where('products.sku', '=', sku)
      .executeTakeFirst() as Promise<ProductRow | undefined>

  app.get('/api/products', guard({ summary: 'List products with stock', roles: ['operations', 'warehouse', 'analyst', 'merchant'] }), async (c) => {
    const zone = c.req.query('zone')
    let q = db
      .selectFrom('products')
      .innerJoin('inventory', 'inventory.sku', 'products.sku')
      .selectAll('products')
      .select(['inventory.on_hand', 'inventory.reserved'])
    if (zone) q = q.where('products.zone', '=', zone)
    const rows = (await q.orderBy('products.sku').execute()) as ProductRow[]
    return c.json({ products: rows.map(productJson) })
  })

  app.post('/api/products', guard({ summary: 'Create a product', roles: ['operations'] }), async (c) => {
    const { sku, onHand, ...p } = parseBody(productBody, await json(c))
    await db.transaction().execute(async (tx) => {
      const created = await tx
        .insertInto('products')
        .values(productRow({ ...p, sku }))
        .onConflict((oc) => oc.column('sku').doNothing())
        .returning('sku')
        .executeTakeFirst()
      if (!created)
        throw new ApiError(
          409,
          'product_exists',
          `Product "${sku}" already exists; update it with PUT /api/products/${sku}.`,
        )
      await tx.insertInto('inventory').values({ sku, on_hand: onHand }).execute()
    })
    return c.json(productJson((await load(sku))!), 201)
  })

  app.get('/api/products/:sku', guard({ summary: 'A product with its stock', roles: ['operations', 'warehouse', 'analyst', 'merchant'] }), async (c) => {
    const row = await load(c.req.param('sku'))
    if (!row) throw notFound('Product', c.req.param('sku'))
    return c.json(productJson(row))
  })

  app.put('/api/products/:sku', guard({ summary: 'Update a product', roles: ['operations'] }), async (c) => {
    const sku = c.req.param('sku')
    const patch = columns(parseBody(productPatch, await json(c)))
    const updated = await db
      .updateTable('products')
      .set({ ...patch, updated_at: new Date() })
      .where('sku', '=', sku)
      .returning('sku')
      .executeTakeFirst()
    if (!updated) throw notFound('Product', sku)
    return c.json(productJson((await load(sku))!))
  })

  app.post('/api/inventory/:sku/adjust', guard({ summary: 'Adjust stock (emits restocked for waiting backorders)', roles: ['operations', 'warehouse'] }), async (c) => {
    const change = parseBody(adjustBody, await json(c))
    const adjustment = await db.transaction().execute(async (tx) => {
      const adj = await adjustStock(tx, c.req.param('sku'), change)
      // same transaction: the stock and the wake-up of backordered orders commit together
      if (adj.restocked > 0) await notifyRestocked(tx, adj.backorderedOrders, adj.sku, adj.after.available)
      return adj
    })
    return c.json(adjustment)
  })

  return app
}
