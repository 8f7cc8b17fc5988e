/** The credential of an `Authorization: Bearer <credential>` header; null when absent or of another scheme. */
export function bearerCredential(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}
