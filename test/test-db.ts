import crypto from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { type DbHandle, openDb } from '../engine/db.ts'
import { TEMPLATE_DB, withDatabase } from './global-setup.ts'

/** A fresh database cloned from the migrated template: fast and isolated per test file. */
export async function createTestDb(): Promise<DbHandle & { name: string }> {
  const adminUrl = inject('pgAdminUrl')
  const name = `orderflow_test_${crypto.randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    // cloning needs the template to have no other sessions; retry briefly if another file is cloning
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${TEMPLATE_DB}`)
        break
      } catch (e) {
        if (attempt > 50 || !String((e as Error).message).includes('being accessed')) throw e
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  } finally {
    await admin.end()
  }
  const handle = openDb(withDatabase(adminUrl, name), { max: 20 })
  return { ...handle, name }
}
