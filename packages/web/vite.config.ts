import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @licensor/web` serves the dashboard with hot reload and sends API calls to a node on :7070.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/v1': process.env.LICENSOR_URL ?? 'http://127.0.0.1:7070' } },
});
