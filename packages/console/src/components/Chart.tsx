import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  color: string;
  values: (number | null)[];
  /** Drawn dashed (a limit, a maximum). */
  dashed?: boolean;
}

interface ChartProps {
  title: string;
  /** What the chart means, for the reader and for screen readers. */
  description: string;
  /** Bucket starts, ms since epoch. */
  times: number[];
  lines: Line[];
  unit: string;
  height?: number;
}

/** One uPlot time-series chart that follows its container's width. */
export function Chart({ title, description, times, lines, unit, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const styles = getComputedStyle(document.documentElement);
    const ink = styles.getPropertyValue('--muted').trim() || '#888';
    const grid = styles.getPropertyValue('--grid').trim() || '#8883';
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: element.clientWidth || 300,
        height,
        series: [
          {},
          ...lines.map((line) => ({
            label: line.label,
            stroke: line.color,
            width: 1.5,
            spanGaps: false,
            // A bucket between two empty ones has no line to draw: show every value as a dot too.
            points: { show: true, size: 4 },
            ...(line.dashed ? { dash: [6, 4] } : {}),
            value: (_: uPlot, v: number | null) => (v === null ? '–' : `${Number(v.toFixed(2))} ${unit}`),
          })),
        ],
        axes: [
          axis,
          { ...axis, size: 56, values: (_: uPlot, ticks: number[]) => ticks.map((t) => `${t}${unit === '%' ? '%' : ''}`) },
        ],
        scales: { x: { time: true } },
        legend: { live: true },
        cursor: { points: { size: 6 } },
      },
      [times.map((t) => t / 1000), ...lines.map((line) => line.values)],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, lines, unit, height]);
  return (
    <figure
      class="chart"
      data-points={times.length}
      data-sum={lines.reduce((sum, line) => sum + line.values.reduce<number>((s, v) => s + (v ?? 0), 0), 0)}
    >
      <figcaption>
        <strong>{title}</strong> <span class="muted">({unit})</span>
      </figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${description}`} />
    </figure>
  );
}
