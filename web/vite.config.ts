import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Root is web/ (`vite build web`); the Truceline server serves web/dist. `npx vite web` runs a dev
// server that sends /api to a Truceline server on port 8080.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
