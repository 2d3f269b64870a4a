import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

/** `orderflow start` as a user runs it: embedded PostgreSQL, migrations, seed, API, worker. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-start-'))
const children: ChildProcess[] = []

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

async function start(port: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ORDERFLOW_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
  delete env.DATABASE_URL
  delete env.ORDERFLOW_ADMIN_TOKEN
  delete env.VITEST
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli.ts', 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60_000)
    child.stdout!.on('data', () => {
      if (!out.includes('running at')) return
      clearTimeout(timer)
      resolve()
    })
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)))
  })
  await new Promise((r) => setTimeout(r, 200)) // the sign-in line follows the first
  return { child, output: () => out }
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))))

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  const pid = path.join(dataDir, 'pg', 'postmaster.pid')
  if (fs.existsSync(pid)) process.kill(Number(fs.readFileSync(pid, 'utf8').split('\n')[0]), 'SIGINT')
})

describe('orderflow start', () => {
  it('starts from nothing, prints a one-time sign-in link, stops cleanly, and recovers from kill -9', async () => {
    const port = await freePort()
    const first = await start(port)
    const link = first.output().match(/\/\?token=(\S+)/)
    expect(link, first.output()).not.toBeNull()
    const token = link![1]!
    const base = `http://127.0.0.1:${port}`
    expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true, db: true })
    const flows = await (await fetch(`${base}/api/flows`, { headers: { authorization: `Bearer ${token}` } })).json()
    expect(flows.flows.find((f: any) => f.isDefault)).toMatchObject({ activeVersion: 1 })

    first.child.kill('SIGINT') // Ctrl-C
    expect(await exited(first.child)).toBe(0)
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false)

    const second = await start(port)
    expect(second.output()).not.toContain('?token=') // shown once only
    second.child.kill('SIGKILL') // leaves its postgres running, holding postmaster.pid
    await exited(second.child)
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(true)

    const third = await start(port)
    expect(third.output()).toContain('left running by an earlier orderflow process')
    // a second orderflow on the same data directory refuses, and leaves the running one alone
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), ORDERFLOW_DATA_DIR: dataDir }
    delete env.DATABASE_URL
    const intruder = spawn(process.execPath, ['--import', 'tsx', 'engine/cli.ts', 'migrate'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let said = ''
    intruder.stderr!.on('data', (d) => (said += d))
    expect(await exited(intruder)).toBe(1)
    expect(said).toContain('is in use by process')
    expect((await fetch(`${base}/api/health`)).status).toBe(200)
    const me = await (await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } })).json()
    expect(me.role).toBe('admin') // same data directory, same token
    third.child.kill('SIGTERM')
    expect(await exited(third.child)).toBe(0)
  }, 180_000)
})
