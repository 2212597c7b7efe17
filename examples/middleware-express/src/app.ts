/** A project's own Express app with the Sora mock mounted in it, the way `sora-kit/middleware` is meant. */
import express, { type Express } from 'express';
import { createSoraMiddleware, type SoraMock, type SoraMockOptions } from 'sora-kit/middleware';

export function createApp(options: SoraMockOptions = {}): { app: Express; mock: SoraMock } {
  const app = express();
  const sora = createSoraMiddleware(options);
  // Before any body parser: the mock reads the raw request body (multipart uploads in particular).
  app.use(sora);
  app.use(express.json());
  // The app's own routes: whatever is not under /sora/v1 falls through the mock to them.
  app.post('/api/notes', (req, res) => {
    res.status(201).json({ saved: req.body as unknown });
  });
  return { app, mock: sora.mock };
}
