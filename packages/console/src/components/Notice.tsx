/** An error or result line that screen readers announce. */
export function Notice({ error, children }: { error?: string | null | undefined; children?: preact.ComponentChildren }) {
  if (error)
    return (
      <p class="notice error" role="alert">
        {error}
      </p>
    );
  if (!children) return null;
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}
