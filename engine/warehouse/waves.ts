/** When waves are released: every N minutes (aligned to UTC midnight) or at fixed UTC times. */
export type WaveSchedule = { everyMinutes: number } | { times: string[] }

/** The first wave release strictly after `now`. */
export function nextWave(now: Date, schedule: WaveSchedule): Date {
  if ('everyMinutes' in schedule) {
    const step = schedule.everyMinutes * 60_000
    if (!(step > 0)) throw new Error('everyMinutes must be positive')
    return new Date((Math.floor(now.getTime() / step) + 1) * step)
  }
  const minutes = schedule.times.map((t) => {
    const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(t)
    if (!m) throw new Error(`wave time "${t}" is not HH:MM (UTC), e.g. "09:30"`)
    return Number(m[1]) * 60 + Number(m[2])
  })
  if (minutes.length === 0) throw new Error('a wave schedule needs at least one time')
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const candidates = [0, 1].flatMap((day) => minutes.map((m) => midnight + day * 86_400_000 + m * 60_000))
  return new Date(Math.min(...candidates.filter((c) => c > now.getTime())))
}
