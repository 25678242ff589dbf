/**
 * The dashboard viewer in a real browser (Debian's chromium driven by playwright-core) against the live local
 * stack (`ghmon up` in-process: real Prometheus on fast intervals, demo services, traffic): every panel of every
 * generated dashboard draws data, changing `service` changes the issued queries, the time range picker and
 * auto-refresh re-query, and a panel type the viewer does not draw shows its placeholder.
 *
 * `UPDATE_SCREENSHOT=1` (or UPDATE_GOLDEN=1) also writes docs/dashboard.png: the Golden Signals dashboard after a
 * few minutes of traffic and an error incident, so the error rate and a firing-alert annotation show.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { loadConfig } from '../src/config/load.ts';
import { DASHBOARD_UID, OUT } from '../src/conventions.ts';
import { startIncident } from '../src/stack/incident.ts';
import { freeStackPorts, type RunningStack, startStack } from '../src/stack/up.ts';
import { GREYHAVEN_CONFIG, REPO_ROOT, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = Boolean(process.env.UPDATE_SCREENSHOT || process.env.UPDATE_GOLDEN);

interface PanelInfo {
  id: string;
  type: string;
  title: string;
  state: string;
  series: number;
  points: number;
  text: string;
  width: number;
  height: number;
  /** Pixels of a timeseries canvas in one of the first palette colors (the series lines). */
  linePixels: number;
}

/** Every panel's data-* state, and for time series how many canvas pixels are series lines. */
function panels(page: Page): Promise<PanelInfo[]> {
  return page.$$eval('[data-panel-id]', (els) =>
    els.map((e) => {
      const el = e as HTMLElement;
      const r = el.getBoundingClientRect();
      let linePixels = 0;
      const canvas = el.querySelector('canvas');
      if (canvas) {
        const ctx = canvas.getContext('2d');
        const img = ctx?.getImageData(0, 0, canvas.width, canvas.height).data;
        // The first palette colors (#7eb26d, #eab839, #6ed0e0, #ef843c), drawn opaque by the series strokes.
        const palette = [
          [126, 178, 109],
          [234, 184, 57],
          [110, 208, 224],
          [239, 132, 60],
        ];
        for (let i = 0; img && i < img.length; i += 4) {
          if ((img[i + 3] as number) < 100) continue;
          const [r0, g0, b0] = [img[i] as number, img[i + 1] as number, img[i + 2] as number];
          if (
            palette.some(
              ([r1, g1, b1]) =>
                Math.abs(r0 - (r1 as number)) + Math.abs(g0 - (g1 as number)) + Math.abs(b0 - (b1 as number)) < 90,
            )
          ) {
            linePixels++;
          }
        }
      }
      return {
        id: el.dataset.panelId ?? '',
        type: el.dataset.panelType ?? '',
        title: el.dataset.title ?? '',
        state: el.dataset.state ?? '',
        series: Number(el.dataset.series ?? 0),
        points: Number(el.dataset.points ?? 0),
        text: el.textContent ?? '',
        width: r.width,
        height: r.height,
        linePixels,
      };
    }),
  );
}

/** Waits until no panel is loading; returns the panels. */
async function settled(page: Page): Promise<PanelInfo[]> {
  await page.waitForFunction(
    () => {
      const els = [...document.querySelectorAll<HTMLElement>('[data-panel-id]')];
      return els.length > 0 && els.every((e) => e.dataset.state !== 'loading');
    },
    undefined,
    { timeout: 60_000 },
  );
  return panels(page);
}

/** Opens a dashboard and reloads until every panel drew data (the stack may still be warming up). */
async function openWithData(page: Page, base: string, query: string): Promise<PanelInfo[]> {
  return until(
    async () => {
      await page.goto(`${base}/?${query}`);
      const ps = await settled(page);
      // At least a few points per series, so that lines are long enough to see on the canvas.
      return ps.every((p) => p.state === 'ok' && p.series >= 1 && p.points >= 6 * p.series) ? ps : undefined;
    },
    `every panel of ${query} to draw data`,
    90_000,
    1000,
  );
}

/** `query` parameters of the query_range requests the page issues. */
function recordQueries(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('/api/v1/query_range')) seen.push(u.searchParams.get('query') ?? '');
  });
  return seen;
}

describe('dashboard viewer in chromium against the live stack', () => {
  let stack: RunningStack | undefined;
  let starting: Promise<RunningStack> | undefined;
  let context: BrowserContext | undefined;
  const live = () => stack as RunningStack;
  const browser = () => context as BrowserContext;
  let base: string;
  let prom: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run \`npm run setup\` (installs Debian's chromium)`).toBe(
      true,
    );
    const config = await loadConfig(GREYHAVEN_CONFIG);
    const ports = await freeStackPorts(config);
    starting = startStack({
      config,
      stateDir: tempDir('ghmon-browser-'),
      ports,
      rps: 20,
      fast: true,
      graceMs: 5000,
      backoffMs: 500,
    });
    stack = await starting;
    base = `http://127.0.0.1:${stack.info.ports.dashboard}`;
    prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ghmon-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1400, height: 900 },
    });
    // Data behind every panel: the slowest are the SLO budget (sum_over_time of recorded rates) and p99.
    await until(
      async () => {
        for (const q of [
          'greyhaven:slo:error_budget_remaining:ratio',
          'greyhaven:http_request_duration:p99',
          'greyhaven:db_pool:saturation',
          'greyhaven:cpu_usage:percent',
        ]) {
          const r = (await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
            data: { result: unknown[] };
          };
          if (r.data.result.length === 0) return undefined;
        }
        return true;
      },
      'recording rules with data',
      120_000,
      1000,
    );
  });

  afterAll(async () => {
    await context?.close();
    // Also when beforeAll timed out while the stack was still starting: no process is left behind.
    await (stack ?? (await starting?.catch(() => undefined)))?.stop();
  });

  it('ghmon up serves the viewer and lists the generated dashboards', async () => {
    expect(live().info.components.find((c) => c.name === 'dashboard')?.url).toBe(`${base}/`);
    const list = (await (await fetch(`${base}/dashboards/`)).json()) as { uid: string }[];
    expect(list.map((d) => d.uid).sort()).toEqual(Object.values(DASHBOARD_UID).sort());
  });

  for (const uid of Object.values(DASHBOARD_UID)) {
    it(`${uid}: every panel draws data in its gridPos place`, async () => {
      const page = await browser().newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        // Two minutes: at startup a 5-minute range would squeeze every line into its right edge.
        const ps = await openWithData(page, base, `d=${uid}&from=now-2m&refresh=`);
        expect(ps.length).toBeGreaterThanOrEqual(4);
        for (const p of ps) {
          expect(p.width, p.title).toBeGreaterThan(100);
          expect(p.height, p.title).toBeGreaterThan(100);
          if (p.type === 'timeseries')
            expect(p.linePixels, `${p.title}: series lines on the canvas`).toBeGreaterThan(20);
          if (p.type === 'stat') expect(p.text, p.title).toMatch(/\d/);
        }
        // Side by side where gridPos says so: two panels of one row share a top edge.
        const boxes = await page.$$eval('[data-panel-id]', (els) => els.map((e) => e.getBoundingClientRect().top));
        expect(new Set(boxes.map((t) => Math.round(t))).size).toBeLessThan(boxes.length);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }

  it('legends come from legendFormat and units from the panel', async () => {
    const page = await browser().newPage();
    try {
      await openWithData(page, base, `d=${DASHBOARD_UID.goldenSignals}&from=now-5m&refresh=`);
      const latency = page.locator('[data-title="Request Latency (ms)"]');
      await expect(latency.locator('.legend-name').allTextContents()).resolves.toEqual(
        expect.arrayContaining(['p50 api', 'p95 backend', 'p99 api']),
      );
      // Values at the cursor appear in the legend, in the panel's unit.
      const over = latency.locator('.u-over');
      const box = (await over.boundingBox()) as { x: number; y: number; width: number; height: number };
      await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
      await until(
        async () => /\d ms/.test((await latency.textContent()) ?? ''),
        'legend values at the cursor',
        120_000,
        1000,
      );
      // The crosshair is shared: the request rate legend shows its value in req/s at the same time.
      expect(await page.locator('[data-title="Request Rate (RPS)"]').textContent()).toMatch(/\d req\/s/);
      expect(await page.locator('[data-title="Error Rate (%)"] .legend-name').allTextContents()).toEqual(['Error %']);
      expect(await page.locator('[data-title="Error Rate (%)"] .legend-value').textContent()).toMatch(/^\d+(\.\d+)?%$/);
    } finally {
      await page.close();
    }
  });

  it('changing the service variable changes the issued queries', async () => {
    const page = await browser().newPage();
    const queries = recordQueries(page);
    try {
      await openWithData(page, base, `d=${DASHBOARD_UID.serviceOverview}&from=now-5m&refresh=&var-service=api`);
      const before = [...queries];
      expect(before.length).toBeGreaterThanOrEqual(8);
      expect(before.filter((q) => q.includes('service=~"api"')).length).toBeGreaterThanOrEqual(8);
      expect(before.some((q) => q.includes('backend'))).toBe(false);
      queries.length = 0;
      const refreshed = await page.getAttribute('#app', 'data-refreshed');
      await page.selectOption('select[data-variable="service"]', 'backend');
      await page.waitForFunction(
        (n) => document.querySelector('#app')?.getAttribute('data-refreshed') !== n,
        refreshed,
      );
      const ps = await settled(page);
      const after = queries.filter((q) => !q.startsWith('ALERTS'));
      const expected = [...new Set(before.filter((q) => !q.startsWith('ALERTS')))].map((q) =>
        q.replaceAll('service=~"api"', 'service=~"backend"'),
      );
      expect([...new Set(after)].sort()).toEqual(expected.sort());
      for (const q of after) {
        expect(q).toContain('service=~"backend"');
        expect(q).not.toContain('"api"');
      }
      expect(ps.every((p) => p.state === 'ok')).toBe(true);
      expect(await page.locator('[data-title="Requests by status"] .legend-name').first().textContent()).toMatch(
        /^backend /,
      );
      expect(new URL(page.url()).searchParams.get('var-service')).toBe('backend');
      // All: the variable's allValue.
      await page.selectOption('select[data-variable="service"]', '$__all');
      await until(
        async () => queries.some((q) => q.includes('service=~".+"')),
        'queries with the All value',
        120_000,
        1000,
      );
    } finally {
      await page.close();
    }
  });

  it('the time range picker and auto-refresh re-query Prometheus', async () => {
    const page = await browser().newPage();
    const ranges: number[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.endsWith('/api/v1/query_range')) return;
      ranges.push(Number(u.searchParams.get('end')) - Number(u.searchParams.get('start')));
    });
    try {
      await openWithData(page, base, `d=${DASHBOARD_UID.goldenSignals}&from=now-5m&refresh=`);
      expect(ranges.every((r) => Math.abs(r - 300) < 1)).toBe(true);
      ranges.length = 0;
      await page.selectOption('select.time-picker', 'now-15m');
      await until(
        async () => ranges.length >= 4 && ranges.every((r) => Math.abs(r - 900) < 1),
        '15-minute queries',
        120_000,
        1000,
      );
      ranges.length = 0;
      await page.selectOption('select.refresh-picker', '10s');
      expect(new URL(page.url()).searchParams.get('refresh')).toBe('10s');
      // Nothing else triggers a query: these come from the timer.
      await until(async () => ranges.length >= 5, 'an automatic refresh', 25_000, 1000);
    } finally {
      await page.close();
    }
  });

  it('a panel type it does not draw shows a clear placeholder, never a blank', async () => {
    const injected = {
      uid: 'injected-legacy',
      title: 'Injected legacy panels',
      schemaVersion: 42,
      time: { from: 'now-5m', to: 'now' },
      panels: [
        {
          id: 1,
          type: 'graph',
          title: 'Seed graph panel',
          gridPos: { x: 0, y: 0, w: 8, h: 8 },
          targets: [{ expr: 'greyhaven:http_rps', refId: 'A' }],
        },
        { id: 2, type: 'piechart', title: 'A pie', gridPos: { x: 8, y: 0, w: 8, h: 8 }, targets: [] },
        {
          id: 3,
          type: 'timeseries',
          title: 'Still drawn',
          gridPos: { x: 16, y: 0, w: 8, h: 8 },
          fieldConfig: { defaults: { unit: 'reqps' } },
          targets: [{ expr: 'greyhaven:http_rps', legendFormat: 'rps', refId: 'A' }],
        },
      ],
    };
    const dir = join(live().layout.out, ...OUT.grafanaDashboardsDir.split('/'));
    writeFileSync(join(dir, 'injected-legacy.json'), JSON.stringify(injected));
    const page = await browser().newPage();
    try {
      await page.goto(`${base}/?d=injected-legacy&refresh=`);
      const ps = await settled(page);
      const byTitle = Object.fromEntries(ps.map((p) => [p.title, p]));
      for (const t of ['Seed graph panel', 'A pie']) {
        const p = byTitle[t] as PanelInfo;
        expect(p.state).toBe('unsupported');
        expect(p.text).toContain(`not supported by this viewer`);
        expect(p.height).toBeGreaterThan(100);
      }
      expect(byTitle['Seed graph panel']?.text).toContain('“graph”');
      expect(await page.locator('[data-title="A pie"] .panel-placeholder').isVisible()).toBe(true);
      expect(byTitle['Still drawn']?.state).toBe('ok');
    } finally {
      await page.close();
    }
  });

  it('screenshot of the Golden Signals dashboard with live data', async () => {
    const page = await browser().newPage();
    try {
      if (SCREENSHOT) {
        // A few minutes of traffic and an error incident on backend, so the error panel and an alert show.
        await new Promise((r) => setTimeout(r, 60_000));
        const incident = await startIncident({
          kind: 'errors',
          service: 'backend',
          errorRate: 0.3,
          durationMs: 60_000,
          stateDir: live().layout.root,
        });
        await until(
          async () => {
            const r = (await (await fetch(`${prom}/api/v1/alerts`)).json()) as {
              data: { alerts: { state: string; labels: { severity: string } }[] };
            };
            return r.data.alerts.some((a) => a.state === 'firing' && a.labels.severity === 'critical');
          },
          'a firing alert',
          120_000,
          1000,
        );
        await incident.done;
        await new Promise((r) => setTimeout(r, 20_000));
      }
      await openWithData(page, base, `d=${DASHBOARD_UID.goldenSignals}&from=now-5m&refresh=`);
      const dir = SCREENSHOT ? join(REPO_ROOT, 'docs') : tempDir('ghmon-shot-');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'dashboard.png');
      await page.setViewportSize({ width: 1400, height: 700 });
      await page.screenshot({ path: file, fullPage: true });
      // The firing-alert annotation is drawn where the alert fired, not at the left edge.
      if (SCREENSHOT) {
        const markers = await page.$$eval('[data-title="Error Rate (%)"] .annotation-marker', (els) =>
          els.map((e) => Number.parseFloat((e as HTMLElement).style.left)),
        );
        expect(markers.length).toBeGreaterThan(0);
        expect(Math.max(...markers)).toBeGreaterThan(100);
      }
      expect(existsSync(file)).toBe(true);
    } finally {
      await page.close();
    }
  });
});
