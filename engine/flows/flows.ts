import { sql } from 'kysely'
import type { Db, Executor } from '../db.ts'
import { ApiError, notFound } from '../errors.ts'
import { type Graph, graphSchema } from '../graph.ts'
import { validateGraph } from '../validate-graph.ts'
import { audit } from '../audit.ts'

export interface FlowView {
  id: string
  name: string
  description: string
  graph: Graph
  activeVersion: number | null
  isDefault: boolean
  hasDraftChanges: boolean
  updatedAt: Date
}

export async function listFlows(db: Db) {
  const rows = await db
    .selectFrom('flows')
    .leftJoin('flow_versions as v', (j) => j.onRef('v.flow_id', '=', 'flows.id').onRef('v.version', '=', 'flows.active_version'))
    .select([
      'flows.id',
      'flows.name',
      'flows.description',
      'flows.active_version',
      'flows.is_default',
      'flows.updated_at',
      sql<boolean>`v.graph is distinct from flows.draft`.as('has_draft_changes'),
      sql<number>`(select count(*)::int from runs r where r.flow_id = flows.id and r.status in ('running', 'waiting'))`.as('in_flight'),
    ])
    .orderBy('flows.is_default', 'desc')
    .orderBy('flows.name')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    activeVersion: r.active_version,
    isDefault: r.is_default,
    hasDraftChanges: r.has_draft_changes,
    inFlight: r.in_flight,
    updatedAt: r.updated_at,
  }))
}

export async function getFlow(db: Executor, id: string): Promise<FlowView> {
  const row = await db
    .selectFrom('flows')
    .leftJoin('flow_versions as v', (j) => j.onRef('v.flow_id', '=', 'flows.id').onRef('v.version', '=', 'flows.active_version'))
    .selectAll('flows')
    .select(sql<boolean>`v.graph is distinct from flows.draft`.as('has_draft_changes'))
    .where('flows.id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('Flow', id)
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    graph: row.draft as Graph,
    activeVersion: row.active_version,
    isDefault: row.is_default,
    hasDraftChanges: row.has_draft_changes,
    updatedAt: row.updated_at,
  }
}

export async function createFlow(
  db: Db,
  input: { id?: string; name: string; description?: string; graph?: Graph; isDefault?: boolean },
  actor: string,
): Promise<FlowView> {
  const id = input.id ?? slug(input.name)
  const graph = graphSchema.parse(input.graph ?? { nodes: [{ id: 'receive', type: 'receive', config: {}, position: { x: 0, y: 0 } }], edges: [] })
  await db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('flows')
      .values({ id, name: input.name, description: input.description ?? '', draft: JSON.stringify(graph), is_default: input.isDefault ?? false })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!inserted) throw new ApiError(409, 'flow_exists', `A flow with id "${id}" exists already; choose another id or update it with PUT /api/flows/${id}.`)
    await audit(tx, actor, 'flow.created', `flow:${id}`, { name: input.name })
  })
  return getFlow(db, id)
}

export async function saveDraft(db: Db, id: string, input: { name?: string; description?: string; graph: Graph }, actor: string) {
  await db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('flows')
      .set({
        draft: JSON.stringify(input.graph),
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst()
    if (!updated) throw notFound('Flow', id)
    await audit(tx, actor, 'flow.saved', `flow:${id}`, { nodes: input.graph.nodes.length, edges: input.graph.edges.length })
  })
  return getFlow(db, id)
}

/** Validates the draft and freezes it as the next version, which new orders then use. */
export async function publishFlow(db: Db, id: string, note: string, actor: string) {
  return db.transaction().execute(async (tx) => {
    const flow = await tx.selectFrom('flows').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
    if (!flow) throw notFound('Flow', id)
    const problems = validateGraph(flow.draft)
    const errors = problems.filter((p) => p.severity === 'error')
    if (errors.length > 0) {
      throw new ApiError(422, 'invalid_graph', `The flow has ${errors.length} problem(s); fix them and publish again.`, errors)
    }
    const last = await tx.selectFrom('flow_versions').select(sql<number>`coalesce(max(version), 0)`.as('v')).where('flow_id', '=', id).executeTakeFirstOrThrow()
    const version = last.v + 1
    const row = await tx
      .insertInto('flow_versions')
      .values({ flow_id: id, version, graph: JSON.stringify(flow.draft), note, published_by: actor })
      .returningAll()
      .executeTakeFirstOrThrow()
    await tx.updateTable('flows').set({ active_version: version, updated_at: new Date() }).where('id', '=', id).execute()
    await audit(tx, actor, 'flow.published', `flow:${id}`, { version, note })
    return { flowId: id, version, note: row.note, publishedBy: row.published_by, publishedAt: row.published_at, warnings: problems.filter((p) => p.severity === 'warning') }
  })
}

export async function listVersions(db: Db, id: string) {
  const flow = await getFlow(db, id)
  const rows = await db.selectFrom('flow_versions').select(['version', 'note', 'published_by', 'published_at']).where('flow_id', '=', id).orderBy('version', 'desc').execute()
  return rows.map((r) => ({ version: r.version, note: r.note, publishedBy: r.published_by, publishedAt: r.published_at, active: r.version === flow.activeVersion }))
}

export async function getVersion(db: Db, id: string, version: number) {
  const row = await db.selectFrom('flow_versions').selectAll().where('flow_id', '=', id).where('version', '=', version).executeTakeFirst()
  if (!row) throw new ApiError(404, 'not_found', `Flow "${id}" has no version ${version}.`)
  return { flowId: row.flow_id, version: row.version, graph: row.graph as Graph, note: row.note, publishedBy: row.published_by, publishedAt: row.published_at }
}

function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
  return s || 'flow'
}
