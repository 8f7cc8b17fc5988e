/** A tiny inline SVG line of recent values (no axes): for lists. */
export function Sparkline({ values, label, color }: { values: (number | null)[]; label: string; color: string }) {
  const width = 90;
  const height = 22;
  const numbers = values.map((v) => v ?? 0);
  const top = Math.max(1, ...numbers);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = numbers
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / top) * (height - 4)).toFixed(1)}`)
    .join(' ');
  const total = numbers.reduce((a, b) => a + b, 0);
  return (
    <svg
      class="spark"
      width={width}
      height={height}
      role="img"
      aria-label={`${label}: ${values.length} points, peak ${Math.round(top)}, total ${Math.round(total)}`}
      data-points={values.length}
    >
      <polyline fill="none" stroke={color} stroke-width="1.5" points={points} />
    </svg>
  );
}
