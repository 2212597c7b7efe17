/**
 * One server under test, alone in this process (so its event loop is its own): `launch.ts <kind>`
 * prints `listening <origin>` on stdout once it accepts connections, and serves until killed.
 *
 *   bare         node:http answering BENCH_BODY (the same bytes as the mock's answer) after the same
 *                licence check (the Authorization header equals the licence, raw or Bearer)
 *   server       createSoraServer with the library defaults (Node's own Request/Response)
 *   middleware   createSoraMiddleware inside Express (through @mswjs/http-middleware)
 *
 * `sora-kit serve` itself is launched from the built CLI by bench/server.ts, as users run it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const LICENSE = 'sk-sora-mock';
const kind = process.argv[2];

async function main(): Promise<string> {
  if (kind === 'bare') {
    const body = process.env.BENCH_BODY ?? '{}';
    const length = Buffer.byteLength(body);
    const server = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      if (auth !== LICENSE && auth !== `Bearer ${LICENSE}`) {
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"error":{"message":"no licence","type":"authentication_error","param":null,"code":"missing_license"}}');
        return;
      }
      // Drain a request body like the mock does before answering.
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
        res.end(body);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  if (kind === 'server') {
    const { createSoraServer } = await import('../../src/adapters/node.js');
    const server = createSoraServer({ instant: true });
    return (await server.listen({ port: 0, host: '127.0.0.1' })).url;
  }
  if (kind === 'middleware') {
    const { default: express } = await import('express');
    const { createSoraMiddleware } = await import('../../src/adapters/middleware.js');
    const app = express();
    app.use(createSoraMiddleware({ instant: true }));
    const server = createServer(app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  throw new Error(`unknown server kind '${kind}'; expected bare, server or middleware`);
}

process.stdout.write(`listening ${await main()}\n`);
