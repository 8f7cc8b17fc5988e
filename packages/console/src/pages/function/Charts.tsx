import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, metricsUrl, type Metrics } from '../../api.js';
import { colors, statusColors, statuses } from '../../colors.js';
import { Chart, type Line } from '../../components/Chart.js';
import { Notice } from '../../components/Notice.js';

/** The windows a user can pick, each with a step that gives tens of points. */
export const windows = [
  { id: '15m', label: '15 min', windowMs: 15 * 60_000, stepMs: 30_000 },
  { id: '1h', label: '1 hour', windowMs: 3_600_000, stepMs: 60_000 },
  { id: '24h', label: '24 hours', windowMs: 86_400_000, stepMs: 1_800_000 },
  { id: '7d', label: '7 days', windowMs: 7 * 86_400_000, stepMs: 4 * 3_600_000 },
] as const;

export function Charts({ name }: { name: string }) {
  const [choice, setChoice] = useState<(typeof windows)[number]>(windows[1]);
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    get<Metrics>(metricsUrl(name, choice.windowMs, choice.stepMs)).then(setMetrics, (err: Error) => setError(err.message));
  }, [name, choice, tick]);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 30_000);
    return () => clearInterval(timer);
  }, []);

  const charts = useMemo(() => {
    if (!metrics) return null;
    const b = metrics.buckets;
    const perMinute = 60_000 / metrics.stepMs;
    const shown = statuses.filter((s) => s === 'ok' || b.some((x) => x.byStatus[s]));
    const calls: Line[] = shown.map((s) => ({
      label: s,
      color: statusColors[s],
      values: b.map((x) => Number(((x.byStatus[s] ?? 0) * perMinute).toFixed(3))),
    }));
    return {
      times: b.map((x) => x.start),
      calls,
      cold: [
        { label: 'cold starts', color: colors.cold, values: b.map((x) => (x.count ? (100 * x.coldCount) / x.count : null)) },
      ],
      duration: [
        { label: 'p50', color: colors.p50, values: b.map((x) => x.p50Ms) },
        { label: 'p95', color: colors.p95, values: b.map((x) => x.p95Ms) },
        { label: 'p99', color: colors.p99, values: b.map((x) => x.p99Ms) },
      ],
      init: [
        { label: 'median', color: colors.cold, values: b.map((x) => x.initP50Ms) },
        { label: 'max', color: colors.max, values: b.map((x) => x.initMaxMs), dashed: true },
      ],
      queue: [
        { label: 'median', color: colors.p50, values: b.map((x) => x.queueP50Ms) },
        { label: 'max', color: colors.max, values: b.map((x) => x.queueMaxMs), dashed: true },
      ],
      memory: [
        { label: 'most used', color: colors.p50, values: b.map((x) => x.memoryMaxMb) },
        { label: 'limit', color: colors.limit, values: b.map((x) => x.memoryLimitMb), dashed: true },
      ],
    };
  }, [metrics]);

  return (
    <section aria-labelledby="charts-title">
      <div class="heading">
        <h2 id="charts-title">Activity</h2>
        <fieldset class="segmented">
          <legend class="sr-only">Window</legend>
          {windows.map((w) => (
            <label key={w.id}>
              <input type="radio" name="window" value={w.id} checked={w.id === choice.id} onChange={() => setChoice(w)} />
              {w.label}
            </label>
          ))}
        </fieldset>
      </div>
      <Notice error={error} />
      {charts && (
        <div class="charts">
          <Chart
            title="Invocations per minute"
            unit="/min"
            description="calls per minute, one line per status"
            times={charts.times}
            lines={charts.calls}
          />
          <Chart
            title="Cold starts"
            unit="%"
            description="share of calls that started a worker"
            times={charts.times}
            lines={charts.cold}
          />
          <Chart
            title="Duration"
            unit="ms"
            description="p50, p95 and p99 of call duration"
            times={charts.times}
            lines={charts.duration}
          />
          <Chart
            title="Init time of cold starts"
            unit="ms"
            description="median and largest time to start a worker"
            times={charts.times}
            lines={charts.init}
          />
          <Chart
            title="Queue wait"
            unit="ms"
            description="time a call waited for a worker"
            times={charts.times}
            lines={charts.queue}
          />
          <Chart
            title="Memory"
            unit="MB"
            description="the most memory one call used, against the limit"
            times={charts.times}
            lines={charts.memory}
          />
        </div>
      )}
    </section>
  );
}
