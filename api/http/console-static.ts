import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';

// The web console's build output under /ui: hashed assets cached for good, every other path answered with index.html
// (the console routes in the browser), and one strict Content-Security-Policy: scripts, styles, images and requests
// only from this origin, no inline code, no framing. Nothing is fetched from anywhere else, so it works offline.

export const CONSOLE_PATH = '/ui';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function consoleRouter(staticDir: string): Router {
  const router = express.Router();
  router.use(CONSOLE_PATH, (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.locals.route = `${CONSOLE_PATH}/*`;
    next();
  });
  router.use(
    `${CONSOLE_PATH}/assets`,
    express.static(join(staticDir, 'assets'), { immutable: true, maxAge: '365d', index: false }),
    (_req, res) => {
      res
        .status(404)
        .type('text/plain')
        .send('No such console asset: reload the page (the console may have been updated).');
    },
  );
  router.use(CONSOLE_PATH, express.static(staticDir, { index: false, maxAge: '1h' }));
  let indexHtml: string | undefined;
  router.get(/^\/ui(\/.*)?$/, (req, res) => {
    if (req.path === CONSOLE_PATH) return res.redirect(301, `${CONSOLE_PATH}/`);
    const indexFile = join(staticDir, 'index.html');
    if (indexHtml === undefined && existsSync(indexFile)) indexHtml = readFileSync(indexFile, 'utf8');
    if (indexHtml === undefined) {
      return res
        .status(503)
        .type('text/plain')
        .send(`The web console is not built (no ${indexFile}): run "npm run build:console", then reload.`);
    }
    return res.status(200).type('html').setHeader('Cache-Control', 'no-cache').send(indexHtml);
  });
  return router;
}
