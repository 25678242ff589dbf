/**
 * Builds the viewer into dist/ (relative asset paths, so it is served from any base). `npm run dev -w
 * packages/dashboard` serves it with hot reload, proxying /api to a Prometheus on PROMETHEUS_URL (default
 * http://127.0.0.1:9090) and /dashboards to a running `ghmon up` viewer on DASHBOARD_URL.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090',
      '/dashboards': process.env.DASHBOARD_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
