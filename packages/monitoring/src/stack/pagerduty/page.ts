/** The receiver's HTML page: incidents with trigger/resolve times, newest first; refreshes itself. */
import type { StoreState } from './store.ts';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function incidentsPage(state: StoreState): string {
  const rows = [...state.incidents]
    .reverse()
    .map(
      (i) => `<tr class="${i.status}"><td>#${i.id}</td><td>${esc(i.status)}</td><td>${esc(i.severity)}</td>
<td>${esc(i.summary)}</td><td>${esc(i.triggeredAt)}</td><td>${esc(i.resolvedAt ?? '')}</td><td>${i.events.length}</td>
<td><code>${esc(i.dedupKey.slice(0, 16))}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>ghmon · local PagerDuty receiver</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4em;text-align:left}tr.triggered td:nth-child(2){color:#c00;font-weight:bold}
tr.resolved td:nth-child(2){color:#080}tr.acknowledged td:nth-child(2){color:#b60}</style></head><body>
<h1>Local PagerDuty (Events API v2) receiver</h1>
<p>${state.incidents.length} incidents · ${state.accepted} events accepted · ${state.rejected} answered with an error on purpose ·
Watchdog heartbeats: ${state.heartbeats}${state.lastHeartbeat ? ` (last ${esc(state.lastHeartbeat)})` : ''}</p>
<table><thead><tr><th>#</th><th>status</th><th>severity</th><th>summary</th><th>triggered</th><th>resolved</th><th>events</th><th>dedup_key</th></tr></thead>
<tbody>${rows || '<tr><td colspan="8">No incidents yet.</td></tr>'}</tbody></table></body></html>
`;
}
