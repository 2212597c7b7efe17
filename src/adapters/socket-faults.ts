/**
 * Network faults (src/mock/network.ts) as the Node server enacts them, on the connection itself: the
 * mock has decided and resolved the fault (the journal entry's `network`); here it happens to bytes
 * on a socket. `latency` holds the whole answer back; `bandwidth` paces the body through node:http's
 * back-pressure (the mock's paced stream, so the client reads it in pieces over time); `reset` writes
 * the status line, the headers and `bytes` bytes of the body, then destroys the socket, so the client
 * sees the connection end before the declared length (undici: `terminated`, curl: exit 18).
 */
import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { shapeResponse, type NetworkFault } from '../mock/network.js';

export function enactOnSocket(response: Response, fault: NetworkFault, outgoing: ServerResponse): Response | Promise<Response> {
  if (fault.kind !== 'reset') return shapeResponse(response, fault);
  void resetAfter(response, fault.bytes, outgoing);
  return RESPONSE_ALREADY_SENT;
}

async function resetAfter(response: Response, bytes: number, outgoing: ServerResponse): Promise<void> {
  const cut = () => outgoing.socket?.destroy();
  if (!response.body) {
    cut();
    return;
  }
  const reader = response.body.getReader();
  outgoing.once('close', () => void reader.cancel().catch(() => undefined));
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  outgoing.writeHead(response.status, headers);
  let sent = 0;
  try {
    while (sent < bytes && !outgoing.destroyed) {
      const next = await reader.read();
      if (next.done) break;
      const piece = next.value.subarray(0, bytes - sent);
      sent += piece.byteLength;
      // The last piece is flushed before the socket goes, so the client has exactly `bytes` of the body.
      if (sent >= bytes) outgoing.write(piece, cut);
      else outgoing.write(piece);
    }
  } catch {
    // the mock's stream failed: the connection goes all the same
  }
  void reader.cancel().catch(() => undefined);
  if (sent < bytes || bytes === 0) outgoing.write(new Uint8Array(0), cut);
}
