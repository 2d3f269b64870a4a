import { Hono, type MiddlewareHandler } from 'hono'
import { secureHeaders } from 'hono/secure-headers'

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>

/**
 * hono's secureHeaders, set before the handler runs instead of after it. hono's middleware adds
 * its headers to the finished response, which makes @hono/node-server turn its light response
 * into a full web Response and copy it. The headers do
 * not depend on the request, so they are taken once from hono's own middleware (its defaults
 * stay the source) and given to the context, which puts them on whatever response it makes.
 */
export function securityHeaders(options: SecureHeadersOptions): MiddlewareHandler {
  const probe = new Hono().use(secureHeaders(options)).get('/', (c) => c.body(null, 204))
  let headers: Promise<[string, string][]> | undefined
  return async (c, next) => {
    headers ??= Promise.resolve(probe.request('/')).then((res) => [...res.headers])
    for (const [name, value] of await headers) c.header(name, value)
    await next()
  }
}

/** API answers carry tokens' data: never kept by a browser or proxy cache, unless a route says so. */
export const noStore: MiddlewareHandler = async (c, next) => {
  c.header('Cache-Control', 'no-store')
  await next()
}
