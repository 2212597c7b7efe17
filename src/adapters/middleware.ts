/**
 * The mock as Express/connect middleware, for users who embed it in their own server:
 *
 *   app.use(createSoraMiddleware({ licenses: [...] }));
 *
 * Built on @mswjs/http-middleware, so it runs the very handlers of `createSoraHandlers`; requests outside
 * the mock's paths fall through to `next()` untouched, their body unread (http-middleware starts reading
 * every body before its handlers decide, which would leave the app's own body parsers an empty stream).
 * Mount it before any body parser: a parsed body has lost its bytes (multipart uploads in particular)
 * and the mock needs them.
 *
 * @mswjs/http-middleware (and the Express 4 it brings) is an optional peer dependency, like msw: only this
 * entry point needs it, so it is loaded here and nowhere else, and a missing install is named in the error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { SoraMock, SoraMockOptions } from '../mock/types.js';
import { ownsPath } from './common.js';

/** What this entry point needs beyond sora-kit's own dependencies: optional peers, absent for most users. */
const PEERS = ['@mswjs/http-middleware', 'msw'] as const;

function missingPeer(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return PEERS.find((name) => message.includes(`'${name}'`));
}

/** Loaded here, and only here, so that nothing else in sora-kit needs the peers (or Express) installed. */
async function loadPeers() {
  try {
    const { createMiddleware } = await import('@mswjs/http-middleware');
    const { createSoraHandlers } = await import('./msw.js');
    return { createMiddleware, createSoraHandlers };
  } catch (error) {
    const missing = missingPeer(error);
    if (missing === undefined) throw error;
    throw new Error(
      `sora-kit/middleware needs the optional peer dependency ${missing}, which is not installed. ` +
        `Install it next to sora-kit: npm install --save-dev ${PEERS.join(' ')}`,
      { cause: error },
    );
  }
}

const { createMiddleware, createSoraHandlers } = await loadPeers();

/** The mock's own types, for code that configures or inspects it through this adapter. */
export type * from './mock-types.js';

export type SoraMiddleware = ((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void) & {
  readonly mock: SoraMock;
};

/**
 * @mswjs/http-middleware reads `req.get('host')`, `req.header()` and `req.protocol`, which only Express
 * adds; give a plain node/connect request the same three so the middleware also works under connect.
 */
function asExpressRequest(req: IncomingMessage): ExpressRequest {
  const r = req as IncomingMessage & Partial<Pick<ExpressRequest, 'get' | 'header' | 'protocol'>>;
  if (typeof r.get !== 'function') {
    const get = (name: string) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    Object.assign(r, {
      get,
      header: get,
      protocol: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
    });
  }
  return r as ExpressRequest;
}

export function createSoraMiddleware(options: SoraMockOptions | SoraMock = {}): SoraMiddleware {
  const handlers = createSoraHandlers(options);
  // http-middleware's declarations load msw's CommonJS types, ours its ESM types: the same classes twice
  // for TypeScript (private members make them "different"), one class at run time.
  const middleware = createMiddleware(...(handlers as unknown as Parameters<typeof createMiddleware>));
  const run = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (!ownsPath(handlers.mock, path)) {
      next();
      return;
    }
    void middleware(asExpressRequest(req), res as ExpressResponse, next as NextFunction);
  };
  return Object.assign(run, { mock: handlers.mock });
}
