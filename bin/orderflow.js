#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the same sources run in development and production.
import { register } from 'tsx/esm/api'

register()
await import('../engine/cli.ts')
