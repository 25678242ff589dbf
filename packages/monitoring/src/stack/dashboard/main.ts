/**
 * The dashboard viewer as a stack process: `--port N --prometheus URL --dashboards DIR [--app DIR]`. Builds the
 * app first when it is missing or stale, then listens on 127.0.0.1.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appDist, ensureAppBuilt } from './build.ts';
import { createDashboardServer } from './server.ts';

export const APP_ROOT = fileURLToPath(new URL('../../../../dashboard/', import.meta.url));

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    prometheus: { type: 'string' },
    dashboards: { type: 'string' },
    app: { type: 'string', default: APP_ROOT },
  },
});
if (!values.port || !values.prometheus || !values.dashboards) {
  console.error('usage: main.ts --port N --prometheus URL --dashboards DIR [--app DIR]');
  process.exit(2);
}
const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
await ensureAppBuilt(values.app, log);
const server = createDashboardServer({
  appDir: appDist(values.app),
  dashboardsDir: values.dashboards,
  prometheusUrl: values.prometheus,
});
server.listen(Number(values.port), '127.0.0.1', () =>
  log(
    `dashboard viewer on http://127.0.0.1:${values.port}/ (dashboards in ${values.dashboards}, app ${join(values.app, 'dist')})`,
  ),
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => server.close(() => process.exit(0)));
