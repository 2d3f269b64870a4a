import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb } from '../test/test-db.ts'
import { openDb } from './db.ts'

const t = await createTestDb()
afterAll(() => t.close())

describe('prepared statements', () => {
  it('prepares a parameterised statement once per connection and survives a schema change under it', async () => {
    await sql`create table prep_probe (id int primary key, a text)`.execute(t.db)
    await sql`insert into prep_probe values (1, 'x')`.execute(t.db)
    // one connection throughout: prepared statements belong to it
    await t.db.connection().execute(async (c) => {
      const read = () => sql<Record<string, unknown>>`select * from prep_probe where id = ${1}`.execute(c)
      expect((await read()).rows).toEqual([{ id: 1, a: 'x' }])
      const prepared = await sql<{
        n: number
      }>`select count(*)::int as n from pg_prepared_statements where statement like ${'%from prep_probe%'}`.execute(
        c,
      )
      expect(prepared.rows[0]!.n).toBe(1)
      // another process migrates: the cached plan's result type changes; the read is prepared anew
      const other = await t.pool.connect()
      await other.query('alter table prep_probe add column b int default 7')
      other.release()
      for (let i = 0; i < 3; i++) expect((await read()).rows).toEqual([{ id: 1, a: 'x', b: 7 }])
    })
  })
})

describe('connection pool', () => {
  it('keeps an idle connection (and what it prepared) past pg’s 10 s default', async () => {
    const handle = openDb(t.url, { max: 1 })
    try {
      const pid = async () =>
        (await sql<{ pid: number }>`select pg_backend_pid() as pid where ${1} = 1`.execute(handle.db))
          .rows[0]!.pid
      const first = await pid()
      await new Promise((r) => setTimeout(r, 11_000))
      expect(handle.pool.idleCount).toBe(1)
      expect(await pid()).toBe(first)
    } finally {
      await handle.close()
    }
  }, 20_000)
})
