/**
 * `npm run bench` (through scripts/bench.mjs): HTTP throughput of a node:http server instrumented with
 * instrumentNodeHandler vs the same server uninstrumented, under autocannon (server in a child process, loopback
 * only, bounded duration), plus the node adapter's own tracking cost without a socket. Not a test: nothing here
 * asserts. BENCH_QUICK=1 for a short smoke run.
 */
import { fork } from 'node:child_process';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { HttpMetrics, instrumentNodeHandler, trackNodeRequest } from '../src/index.ts';
import { nodeTemplateResolver } from '../src/node.ts';
import { fmt, QUICK, ROUTES, ratioCell, stats } from './stats.ts';

const CHILD = process.argv[2] === '--server' ? process.argv[3] : undefined;

// ---------- child mode: one HTTP server (plain or instrumented) for the throughput comparison ----------
if (CHILD !== undefined) {
  const app = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const body = req.url === '/health' ? 'ok' : '{"id":"1","name":"user"}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const server = createServer(CHILD === 'instrumented' ? instrumentNodeHandler(app, { routes: ROUTES }) : app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.send?.({ port: (server.address() as AddressInfo).port });
  // Reports this process's CPU time (µs) on request, to measure server CPU per request.
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * The node adapter's own cost per request, on real IncomingMessage/ServerResponse objects without a socket
 * (headers written and `close` emitted, nothing sent): tracked minus untracked, interleaved. Far less noisy than
 * throughput on a shared machine; used to predict the throughput ratio from the plain server's CPU per request.
 */
function nodeTrackingCost(): number {
  const rounds = QUICK ? 3 : 30;
  const batch = QUICK ? 5_000 : 20_000;
  const metrics = new HttpMetrics();
  const template = nodeTemplateResolver({ routes: ROUTES });
  const socket = new Socket();
  const once = (track: boolean) => {
    const req = new IncomingMessage(socket);
    req.url = '/users/17';
    req.method = 'GET';
    const res = new ServerResponse(req);
    if (track) trackNodeRequest(metrics, req, res, template);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.emit('close');
  };
  const plain: number[] = [];
  const tracked: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    once(false);
    once(true);
  }
  for (let round = 0; round < rounds; round++) {
    for (const track of round % 2 === 0 ? [false, true] : [true, false]) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) once(track);
      (track ? tracked : plain).push(((performance.now() - t0) * 1e6) / batch);
    }
  }
  const cost = plain.map((p, i) => (tracked[i] as number) - p);
  const s = stats(cost);
  console.log(
    `\n#### node adapter tracking cost (${rounds} interleaved rounds × ${batch}, no socket): ${fmt(s.median, 0)} ns / request (IQR ${fmt(s.p25, 0)}–${fmt(s.p75, 0)})\n`,
  );
  return s.median;
}

async function throughput() {
  const rounds = QUICK ? 2 : 10;
  const duration = QUICK ? 2 : 3;
  type Kid = { port: number; cpu(): Promise<number>; stop(): void };
  const start = async (kind: string): Promise<Kid> => {
    const child = fork(fileURLToPath(import.meta.url), ['--server', kind], {
      execArgv: ['--conditions=@greyhaven/source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as never));
    return {
      port,
      cpu: () =>
        new Promise<number>((resolve) => {
          child.once('message', (m: { cpu: number }) => resolve(m.cpu));
          child.send('cpu');
        }),
      stop: () => {
        child.disconnect();
        child.kill();
      },
    };
  };
  const plainKid = await start('plain');
  const instKid = await start('instrumented');
  /** One autocannon run: requests per second, and the server's CPU µs per request. */
  const run = async (kid: Kid) => {
    const cpu0 = await kid.cpu();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: `http://127.0.0.1:${kid.port}`,
          connections: 32,
          pipelining: 1,
          duration,
          requests: [{ path: '/users/17' }, { path: '/orders/9/items' }, { path: '/health' }, { path: '/users/42' }],
        },
        (err, r) => (err ? reject(err) : resolve(r)),
      );
    });
    const cpu1 = await kid.cpu();
    return { rps: result.requests.average, cpuPerRequest: (cpu1 - cpu0) / Math.max(1, result.requests.total) };
  };
  try {
    await run(plainKid); // warm-up both
    await run(instKid);
    const plain: { rps: number; cpuPerRequest: number }[] = [];
    const inst: { rps: number; cpuPerRequest: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        plain.push(await run(plainKid));
        inst.push(await run(instKid));
      } else {
        inst.push(await run(instKid));
        plain.push(await run(plainKid));
      }
    }
    const rpsRatios = inst.map((x, i) => x.rps / (plain[i]?.rps as number));
    const cpuRatios = inst.map((x, i) => x.cpuPerRequest / (plain[i]?.cpuPerRequest as number));
    console.log(
      `\n### 2. HTTP throughput, node:http (${rounds} interleaved rounds × ${duration} s, autocannon, 32 connections, each server in its own child process)\n`,
    );
    console.log(
      '| server | req/s (median) | throughput ratio instrumented / plain, median (IQR; min–max) | server CPU µs / request (median) | CPU ratio, median (IQR; min–max) |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(
      `| plain node:http | ${fmt(stats(plain.map((x) => x.rps)).median, 0)} | | ${fmt(stats(plain.map((x) => x.cpuPerRequest)).median, 1)} | |`,
    );
    console.log(
      `| instrumentNodeHandler (route templates) | ${fmt(stats(inst.map((x) => x.rps)).median, 0)} | ${ratioCell(rpsRatios)} | ${fmt(stats(inst.map((x) => x.cpuPerRequest)).median, 1)} | ${ratioCell(cpuRatios)} |`,
    );
    const plainCpuNs = stats(plain.map((x) => x.cpuPerRequest)).median * 1000;
    const trackingNs = nodeTrackingCost();
    console.log(
      `Predicted throughput ratio when the server is CPU-bound: plain CPU / (plain CPU + tracking cost) = ${fmt(plainCpuNs, 0)} / ${fmt(plainCpuNs + trackingNs, 0)} = ${fmt(plainCpuNs / (plainCpuNs + trackingNs), 3)}`,
    );
  } finally {
    plainKid.stop();
    instKid.stop();
  }
}

if (CHILD === undefined) {
  console.log(
    `## @greyhaven/metrics throughput benchmark — Node ${process.version}, ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}`,
  );
  await throughput();
}
