import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the API under /ui from console/dist. Everything is bundled: no CDN, nothing inline (the
// API's Content-Security-Policy allows only same-origin scripts and styles).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1600,
    reportCompressedSize: false,
  },
  // `npx vite --config console/vite.config.mts` during development: API calls go to a local `npm run api`.
  server: { proxy: { '/v1': process.env.MLOPS_API_URL ?? 'http://127.0.0.1:8080' } },
});
