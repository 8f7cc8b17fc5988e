export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;

export const when = (epochMs: number): string => new Date(epochMs).toLocaleString();

export const age = (sinceMs: number, now = Date.now()): string => {
  const s = Math.max(0, Math.round((now - sinceMs) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
};

export const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
