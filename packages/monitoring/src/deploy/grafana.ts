/**
 * `ghmon deploy grafana`: uploads every out/grafana/dashboards/*.json with Grafana's dashboard API,
 * `POST /api/dashboards/db` with `{dashboard, folderUid, overwrite: true, message}` and `Authorization: Bearer`
 * (Grafana's "Create / Update dashboard"; its documented answers: 200 with `{id, uid, url, status, version,
 * slug}`, 400 invalid, 401 unauthorized, 403 access denied, 412 precondition failed with `status`
 * version-mismatch, name-exists or plugin-dashboard).
 *
 * Requests are built and answers read by pure functions; `deployDashboards` only adds util/http's bounded
 * exchange (its timeout, size limit and network messages, and no redirects followed). The token is read
 * from a file and never appears in any message: not in ours, and not in Grafana's (an echo is redacted).
 * Answers are read up to a size limit (past it the connection is closed, nothing more is read) and within the
 * timeout (headers and body alike), and a 200 must be the JSON the API documents, with a JSON content type;
 * redirects are not followed (the token is never sent anywhere but the given URL). Every failure is one line that
 * names the endpoint and the problem.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from '../conventions.ts';
import { UserError } from '../util/errors.ts';
import {
  bearer,
  describeBodyError as describeBody,
  describeNetworkError as describeNetwork,
  exchange,
  isJsonContentType,
  looksLikeHtml,
  oneLine,
  readLimited as readBody,
  type ServerNames,
} from '../util/http.ts';

export { isJsonContentType } from '../util/http.ts';

export const SAVE_DASHBOARD_PATH = '/api/dashboards/db';
/** A save answer is a few hundred bytes; anything this large is not Grafana's dashboard API. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_TOKEN_BYTES = 8 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

export interface DashboardUpload {
  /** Path relative to the output directory, e.g. grafana/dashboards/ghmon-slo.json. */
  file: string;
  uid: string;
  title: string;
  dashboard: Record<string, unknown>;
  /** First 12 hex digits of the file's SHA-256, named in the version message. */
  sha: string;
}

export interface SaveRequest {
  url: string;
  init: { method: 'POST'; headers: Record<string, string>; body: string; redirect: 'manual' };
}

export type SaveResult =
  | { ok: true; uid: string; version: number; url: string; status: string }
  | { ok: false; message: string /** Stop: the next dashboard would fail the same way. */; fatal: boolean };

/** Grafana's root URL: http(s), no credentials, query or fragment; a sub-path (`/grafana`) is kept. */
export function grafanaBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`--url ${raw}: expected Grafana's root URL, e.g. https://grafana.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`--url ${raw}: expected an http:// or https:// URL`);
  }
  if (url.username || url.password) {
    throw new UserError('--url: credentials in the URL are not accepted (they would end up in logs); use --token-file');
  }
  if (url.search || url.hash) throw new UserError(`--url ${url.origin}${url.pathname}: no query or fragment, please`);
  url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  return url;
}

/** Reads a service account token from a file. Messages name the file, never its content. */
export function readTokenFile(path: string): string {
  if (!existsSync(path)) throw new UserError(`--token-file ${path}: no such file`);
  const st = statSync(path);
  if (!st.isFile()) throw new UserError(`--token-file ${path}: not a file`);
  if (st.size > MAX_TOKEN_BYTES) throw new UserError(`--token-file ${path}: too large for a token`);
  const token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new UserError(`--token-file ${path}: the file is empty`);
  // A header value: printable ASCII without spaces (a Grafana service account token is `glsa_…`).
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UserError(`--token-file ${path}: expected one token on one line (printable characters, no spaces)`);
  }
  return token;
}

/** Every dashboard in out/grafana/dashboards/, in file order. */
export function readDashboards(outDir: string): DashboardUpload[] {
  const dir = join(outDir, ...OUT.grafanaDashboardsDir.split('/'));
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  if (files.length === 0) {
    throw new UserError(
      `${outDir}/${OUT.grafanaDashboardsDir}/ has no dashboards: run \`ghmon build --out ${outDir}\``,
    );
  }
  return files.map((name) => {
    const file = `${OUT.grafanaDashboardsDir}/${name}`;
    const text = readFileSync(join(dir, name), 'utf8');
    let dashboard: unknown;
    try {
      dashboard = JSON.parse(text);
    } catch (err) {
      throw new UserError(`${outDir}/${file}: not valid JSON (${(err as Error).message})`);
    }
    const d = dashboard as Record<string, unknown>;
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      throw new UserError(`${outDir}/${file}: not an object`);
    if (typeof d.uid !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(d.uid)) {
      throw new UserError(`${outDir}/${file}: expected a uid of at most 40 letters, digits, - and _`);
    }
    if (typeof d.title !== 'string' || d.title === '') throw new UserError(`${outDir}/${file}: no title`);
    const sha = createHash('sha256').update(text).digest('hex').slice(0, 12);
    return { file, uid: d.uid, title: d.title, dashboard: d, sha };
  });
}

export function saveMessage(d: DashboardUpload): string {
  return `ghmon deploy grafana: ${d.file} (sha256 ${d.sha}), generated from monitoring.config.ts`;
}

export function saveRequest(base: URL, token: string, d: DashboardUpload, folderUid?: string): SaveRequest {
  const body = {
    // id null: Grafana finds the dashboard by uid; overwrite replaces whatever version it has.
    dashboard: { ...d.dashboard, id: null },
    ...(folderUid !== undefined ? { folderUid } : {}),
    overwrite: true,
    message: saveMessage(d),
  };
  return {
    url: endpoint(base),
    init: {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: bearer(token) },
      body: JSON.stringify(body),
      redirect: 'manual',
    },
  };
}

function endpoint(base: URL): string {
  return `${base.origin}${base.pathname === '/' ? '' : base.pathname}${SAVE_DASHBOARD_PATH}`;
}

/** Grafana's `message` (or `status`) from an error answer, on one short line, or undefined. */
function grafanaMessage(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as { message?: unknown; status?: unknown } | null;
    const m = typeof j?.message === 'string' ? j.message : typeof j?.status === 'string' ? j.status : undefined;
    return m === undefined ? undefined : oneLine(m);
  } catch {
    return undefined;
  }
}

/**
 * What an error answer said, for the end of the message: Grafana's JSON `message`, or what kind of answer it was
 * instead (Grafana's API answers errors in JSON; an HTML page or plain text comes from something in front of it).
 */
function whatWasSaid(body: string, contentType: string | undefined): string {
  const said = grafanaMessage(body);
  if (said) return ` (Grafana: "${said}")`;
  if (body.trim() === '') return '';
  if (looksLikeHtml(contentType, body)) {
    return " (an HTML page, not Grafana's JSON: a proxy or load balancer in front of Grafana answered?)";
  }
  try {
    JSON.parse(body);
    return ''; // JSON without a message
  } catch (err) {
    if (contentType !== undefined && isJsonContentType(contentType)) {
      return ` (malformed JSON: ${oneLine((err as Error).message, 100)})`;
    }
  }
  return ` (${contentType ? oneLine(contentType, 60) : 'no Content-Type'}: "${oneLine(body, 100)}")`;
}

/** A 200's body as JSON, or why it is not the dashboard API's answer: its content type or its JSON. */
function apiJson(contentType: string | undefined, body: string): { json: unknown } | { wrong: string } {
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    const type = contentType.trim() === '' ? 'no Content-Type' : `Content-Type "${oneLine(contentType, 60)}"`;
    return {
      wrong: looksLikeHtml(contentType, body) ? `an HTML page (${type}), not JSON` : `${type}, not application/json`,
    };
  }
  try {
    return { json: JSON.parse(body) };
  } catch (err) {
    return { wrong: `malformed JSON (${oneLine((err as Error).message, 100)})` };
  }
}

/** Maps Grafana's answer for one dashboard to a result with a message a person can act on. */
export function interpretSave(
  d: Pick<DashboardUpload, 'uid' | 'file'>,
  status: number,
  body: string,
  /** contentType: the answer's Content-Type header ('' when it had none); when given, a 200 must be JSON. */
  ctx: { url: string; folderUid?: string; location?: string; contentType?: string },
): SaveResult {
  if (status === 200) {
    const answer = apiJson(ctx.contentType, body);
    if ('wrong' in answer) {
      return {
        ok: false,
        fatal: true,
        message: `${ctx.url} answered 200 with ${answer.wrong}: that is not Grafana's dashboard API (a proxy or a login page?); is --url Grafana's root URL?`,
      };
    }
    const parsed = answer.json;
    const j =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    if (j && j.status === 'success' && typeof j.uid === 'string' && typeof j.version === 'number') {
      return {
        ok: true,
        uid: j.uid,
        version: j.version,
        url: typeof j.url === 'string' ? j.url : '',
        status: j.status,
      };
    }
    return {
      ok: false,
      fatal: true,
      message: `${ctx.url} answered 200 but not with the dashboard API's JSON ({status: "success", uid, version, …}): is --url Grafana's root URL?`,
    };
  }
  if (status >= 300 && status < 400) {
    return {
      ok: false,
      fatal: true,
      message: `${ctx.url} redirected (${status}${ctx.location ? ` to ${oneLine(ctx.location, 200)}` : ''}); not followed, so the token goes nowhere else. Is --url Grafana's root URL (with https:// and any sub-path)? A redirect to /login means the token was not accepted.`,
    };
  }
  const grafanaSaid = whatWasSaid(body, ctx.contentType);
  const folder = ctx.folderUid === undefined ? 'the root folder' : `folder "${ctx.folderUid}"`;
  switch (status) {
    case 400:
      return {
        ok: false,
        fatal: false,
        message: `${ctx.url} rejected ${d.file} as invalid (400)${grafanaSaid}: the dashboard JSON or the request has a missing or invalid field`,
      };
    case 401:
      return {
        ok: false,
        fatal: true,
        message: `${ctx.url} answered 401 Unauthorized${grafanaSaid}: the token in --token-file is not valid for this Grafana (expired, revoked, mistyped, or from another instance)`,
      };
    case 403:
      return {
        ok: false,
        fatal: true,
        message: `${ctx.url} answered 403 Access denied${grafanaSaid}: the token's service account may not write dashboards in ${folder} (it needs dashboards:create and dashboards:write there, e.g. the Editor role)`,
      };
    case 404:
      return {
        ok: false,
        fatal: true,
        message: `${ctx.url} answered 404 Not Found${grafanaSaid}: is --url Grafana's root URL (including any sub-path such as /grafana)${ctx.folderUid === undefined ? '' : `, and does folder "${ctx.folderUid}" exist`}?`,
      };
    case 412: {
      const kind = (() => {
        try {
          return (JSON.parse(body) as { status?: unknown }).status;
        } catch {
          return undefined;
        }
      })();
      const why =
        kind === 'version-mismatch'
          ? 'someone changed it in Grafana since (version mismatch)'
          : kind === 'name-exists'
            ? `another dashboard with the same uid or title already exists in ${folder} (name exists)`
            : kind === 'plugin-dashboard'
              ? 'it belongs to a plugin (plugin dashboard)'
              : 'precondition failed';
      return {
        ok: false,
        fatal: false,
        message: `${ctx.url} refused to save ${d.uid} (412): ${why}${grafanaSaid}`,
      };
    }
    default:
      return {
        ok: false,
        fatal: status >= 500 || status === 429,
        message: `${ctx.url} answered ${status} for ${d.uid}${grafanaSaid}`,
      };
  }
}

const GRAFANA: ServerNames = { server: 'Grafana', flag: '--url' };

/** A clear message for a request that got no answer (undici's `fetch failed` and its cause). */
export function describeNetworkError(err: unknown, url: string, timeoutMs: number): string {
  return describeNetwork(err, url, timeoutMs, GRAFANA);
}

/** A clear message for an answer whose body did not arrive whole: it never ended, or the connection broke. */
export function describeBodyError(err: unknown, url: string, status: number, timeoutMs: number): string {
  return describeBody(err, url, status, timeoutMs, GRAFANA);
}

/** Reads at most `limit` bytes of a body (util/http's readLimited with the dashboard API's limit). */
export function readLimited(res: Response, limit = MAX_RESPONSE_BYTES): Promise<string | undefined> {
  return readBody(res, limit);
}

export interface DeployGrafanaOptions {
  url: string;
  token: string;
  folderUid?: string;
  dashboards: DashboardUpload[];
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface DeployOutcome {
  uid: string;
  file: string;
  result: SaveResult;
}

/** Saves each dashboard in turn; stops at the first failure that would repeat (auth, URL, network). */
export async function deployDashboards(opts: DeployGrafanaOptions): Promise<DeployOutcome[]> {
  const base = grafanaBaseUrl(opts.url);
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const redact = (s: string) => s.split(opts.token).join('[redacted]');
  const outcomes: DeployOutcome[] = [];
  for (const d of opts.dashboards) {
    const req = saveRequest(base, opts.token, d, opts.folderUid);
    // The timeout covers the whole exchange: an answer whose body never ends is cut off too.
    const answer = await exchange(req.url, req.init, {
      timeoutMs,
      maxBytes: MAX_RESPONSE_BYTES,
      redirect: 'manual',
      fetch: doFetch,
    });
    let result: SaveResult;
    switch (answer.kind) {
      case 'no-answer':
        result = { ok: false, fatal: true, message: describeNetworkError(answer.error, req.url, timeoutMs) };
        break;
      case 'broken-body':
        result = {
          ok: false,
          fatal: true,
          message: describeBodyError(answer.error, req.url, answer.status, timeoutMs),
        };
        break;
      case 'oversize':
        result = {
          ok: false,
          fatal: true,
          message: `${req.url} answered ${answer.status} with more than ${MAX_RESPONSE_BYTES / 1024} KiB (stopped reading there and closed the connection): that is not Grafana's dashboard API; is --url right?`,
        };
        break;
      case 'answer':
        result = interpretSave(d, answer.status, answer.body, {
          url: req.url,
          contentType: answer.headers.get('content-type') ?? '',
          ...(opts.folderUid !== undefined ? { folderUid: opts.folderUid } : {}),
          ...(answer.headers.get('location') ? { location: answer.headers.get('location') as string } : {}),
        });
    }
    result = result.ok
      ? { ...result, url: redact(oneLine(result.url)) }
      : { ...result, message: redact(result.message) };
    outcomes.push({ uid: d.uid, file: d.file, result });
    if (!result.ok && result.fatal) break;
  }
  return outcomes;
}

export interface GrafanaCliOptions {
  out: string;
  url: string | undefined;
  tokenFile: string | undefined;
  folder?: string | undefined;
}

/** The CLI side: reads out/ and the token file, deploys, prints one line per dashboard. Exit 0, or 1 on failure. */
export async function deployGrafana(
  opts: GrafanaCliOptions,
  io: { out(line: string): void; err(line: string): void },
  deps: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<number> {
  if (!opts.url) throw new UserError('deploy grafana: --url URL is required (Grafana root URL)');
  if (!opts.tokenFile) throw new UserError('deploy grafana: --token-file FILE is required (a service account token)');
  if (opts.folder !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(opts.folder)) {
    throw new UserError(`--folder ${opts.folder}: expected a folder uid (letters, digits, - and _)`);
  }
  const base = grafanaBaseUrl(opts.url);
  const token = readTokenFile(opts.tokenFile);
  const dashboards = readDashboards(opts.out);
  const where = `${base.origin}${base.pathname === '/' ? '' : base.pathname}`;
  io.out(
    `ghmon deploy grafana: ${dashboards.length} dashboards from ${opts.out}/${OUT.grafanaDashboardsDir}/ to ${where}${opts.folder ? ` (folder ${opts.folder})` : ''}`,
  );
  const outcomes = await deployDashboards({
    url: opts.url,
    token,
    ...(opts.folder !== undefined ? { folderUid: opts.folder } : {}),
    dashboards,
    ...deps,
  });
  for (const o of outcomes) {
    if (o.result.ok) {
      // Grafana's url already carries its sub-path (root_url), so it is relative to the origin.
      const link = o.result.url.startsWith('/') ? `${base.origin}${o.result.url}` : o.result.url || where;
      io.out(`  ✓ ${o.uid} → ${link} (version ${o.result.version})`);
    } else {
      io.err(`  ✗ ${o.uid}: ${o.result.message}`);
    }
  }
  const failed = outcomes.filter((o) => !o.result.ok).length;
  const skipped = dashboards.length - outcomes.length;
  if (failed === 0) {
    io.out(`ghmon deploy grafana: ${outcomes.length} dashboards saved`);
    return 0;
  }
  io.err(
    `ghmon deploy grafana: ${failed} failed${skipped ? `, ${skipped} not tried after that` : ''}, ${outcomes.length - failed} saved`,
  );
  return 1;
}
