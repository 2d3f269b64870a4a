import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openDb } from '../engine/db.ts'
import { type EmbeddedDb, startEmbeddedDb } from '../engine/embedded-db.ts'
import { migrate } from '../engine/migrate.ts'

export const TEMPLATE_DB = 'orderflow_test_template'

/**
 * One PostgreSQL for the whole run (embedded, or the server in DATABASE_URL), with a template
 * database migrated once; each test file clones it (see test/test-db.ts).
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDb | undefined
  let adminUrl: string
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-test-'))
    embedded = await startEmbeddedDb(dir)
    adminUrl = embedded.url
  }
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB)
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`)
  await admin.query(`create database ${TEMPLATE_DB}`)
  const handle = openDb(templateUrl, { max: 2 })
  await migrate(handle.db, templateUrl)
  await handle.close()
  await admin.end()
  project.provide('pgAdminUrl', adminUrl)
  return async () => {
    await embedded?.stop()
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}
