import { EXTRA_ALERT, SEVERITY } from '../../../conventions.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';
import { type AlertCase, healthy, S, sev } from './cases-common.ts';
import {
  counterThenFlat,
  type InputSeries,
  nodeLabels,
  phasedRequestSeries,
  requestSeries,
  selector,
  targetLabels,
  upSeries,
} from './series.ts';

/**
 * The other services, alive: absent()-based alerts fire for every service without series, so a case about
 * one service gives the others their `up` (scraped) or request series (pushed).
 */
function othersAlive(model: Model, s: ServiceModel): InputSeries[] {
  return model.services
    .filter((o) => o !== s)
    .flatMap((o) => (o.scrape ? [upSeries(o, 90), ...requestSeries(o, 600, 0, 90)] : requestSeries(o, 600, 0, 90)));
}

export function healthCases(model: Model): AlertCase[] {
  const t = model.thresholds;
  const out: AlertCase[] = [];
  for (const s of model.services) {
    const svc = { [S]: s.name };
    if (s.scrape) {
      out.push(
        {
          alertname: EXTRA_ALERT.targetDown,
          name: `${s.name} crashes: up goes to 0`,
          input: [upSeries(s, 5, 25)],
          evalTime: '15m',
          fires: [{ labels: sev(t.targetDown.severity, targetLabels(s)) }],
        },
        { alertname: EXTRA_ALERT.targetDown, name: `${s.name} up`, input: healthy(s, 30), evalTime: '15m', fires: [] },
        {
          alertname: EXTRA_ALERT.targetMissing,
          name: `${s.name} has no target`,
          input: othersAlive(model, s),
          evalTime: '15m',
          fires: [{ labels: sev(t.targetDown.severity, { job: s.job, ...svc }) }],
        },
        {
          alertname: EXTRA_ALERT.targetMissing,
          name: `${s.name} has its target`,
          input: [upSeries(s, 30), ...othersAlive(model, s)],
          evalTime: '15m',
          fires: [],
        },
        {
          alertname: EXTRA_ALERT.metricsAbsent,
          name: `${s.name} is up but exposes no request metrics`,
          input: [upSeries(s, 30), ...othersAlive(model, s)],
          evalTime: '20m',
          fires: [{ labels: sev(SEVERITY.warning, svc) }],
        },
      );
    } else {
      const floor = t.trafficStopped.minRequestsPerSecond;
      // Pushes every minute for 30m, then none (`_`: no sample), as when every isolate stops.
      const pushesThenStop = (perMin: number) =>
        requestSeries(s, perMin, 0, 30).map((r) => ({ ...r, values: `${r.values} _x20` }));
      const busy = Math.max(600, Math.ceil(floor * 120));
      out.push(
        {
          alertname: EXTRA_ALERT.metricsAbsent,
          name: `${s.name} pushes nothing`,
          input: othersAlive(model, s),
          evalTime: '20m',
          fires: [{ labels: sev(SEVERITY.warning, svc) }],
        },
        {
          alertname: EXTRA_ALERT.pushStopped,
          name: `${s.name} serves ${busy} requests a minute, then its pushes stop`,
          input: pushesThenStop(busy),
          evalTime: '35m',
          fires: [{ labels: sev(t.targetDown.severity, svc) }],
        },
        {
          alertname: EXTRA_ALERT.pushStopped,
          name: `${s.name} serves ${busy} requests a minute and keeps pushing`,
          input: requestSeries(s, busy, 0, 40),
          evalTime: '35m',
          fires: [],
        },
        {
          alertname: EXTRA_ALERT.pushStopped,
          name: `${s.name} serves a request every 20 minutes (under ${floor}/s), then its pushes stop`,
          input: [{ series: requestSeries(s, 1, 0, 1)[0]?.series ?? '', values: '0x20 1x10 _x20' }],
          evalTime: '35m',
          fires: [],
        },
      );
    }
    out.push(
      {
        alertname: EXTRA_ALERT.metricsAbsent,
        name: `${s.name} is up and serving`,
        input: [...healthy(s, 30), ...othersAlive(model, s)],
        evalTime: '20m',
        fires: [],
      },
      {
        alertname: EXTRA_ALERT.trafficStopped,
        name: `${s.name} stops receiving requests while its target stays up`,
        input: [
          { series: requestSeries(s, 1, 0, 1)[0]?.series ?? '', values: counterThenFlat(600, 60, 30) },
          ...(s.scrape ? [upSeries(s, 90)] : []),
        ],
        evalTime: '75m',
        fires: [{ labels: sev(t.trafficStopped.severity, svc) }],
      },
      {
        alertname: EXTRA_ALERT.trafficStopped,
        name: `${s.name} keeps serving`,
        input: [...requestSeries(s, 600, 0, 90), ...(s.scrape ? [upSeries(s, 90)] : [])],
        evalTime: '75m',
        fires: [],
      },
    );
  }
  const node = nodeLabels(model);
  out.push(
    {
      alertname: EXTRA_ALERT.infraTargetDown,
      name: 'node_exporter is down',
      input: [{ series: selector('up', node), values: '1x5 0x25' }],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.warning, node) }],
    },
    {
      alertname: EXTRA_ALERT.infraTargetDown,
      name: 'node_exporter is up',
      input: [{ series: selector('up', node), values: '1x30' }],
      evalTime: '20m',
      fires: [],
    },
  );
  return out;
}

/**
 * ServiceErrorsStopped (an inhibitor), stepping at the scrape interval (its quiet window is four of them): errors for
 * 2 minutes, then none — not firing while they last, firing 3 minutes after they stopped; never for a service that
 * served no error.
 */
export function errorsStoppedCases(model: Model): AlertCase[] {
  const plan = detectionPlan(model);
  const stepMs = (parseDuration(plan.quietWindow) ?? 60_000) / 4;
  const step = `${stepMs / 1000}s`;
  const steps = (d: string) => Math.round((parseDuration(d) ?? 0) / stepMs);
  const base = { alertname: EXTRA_ALERT.errorsStopped, step };
  return model.services.flatMap((s): AlertCase[] => {
    const burst = phasedRequestSeries(s, [
      [100, 0, steps('10m')],
      [90, 10, steps('2m')],
      [100, 0, steps('20m')],
    ]);
    return [
      {
        ...base,
        name: `${s.name}: errors for 2m, checked as they end (not yet) and 3m after they ended`,
        input: burst,
        before: [{ evalTime: '12m', fires: [] }],
        evalTime: '15m',
        fires: [{ labels: sev(SEVERITY.none, { [S]: s.name }) }],
      },
      {
        ...base,
        name: `${s.name}: no error at all`,
        input: phasedRequestSeries(s, [[100, 0, steps('30m')]]),
        evalTime: '15m',
        fires: [],
      },
    ];
  });
}
