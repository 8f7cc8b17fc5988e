import { useEffect, useState } from 'preact/hooks';
import { call, get, type AdminQuotaReport } from '../api.js';
import { Notice } from '../components/Notice.js';
import { QuotaTable } from '../components/QuotaTable.js';

const quotasPath = (username: string) => `/v1/admin/users/${encodeURIComponent(username)}/quotas`;

/** The admin's editor of one user's quotas: a number sets one, an empty field puts the default back. */
export function UserQuotas({ username }: { username: string }) {
  const [report, setReport] = useState<AdminQuotaReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setReport(null);
    setSaved(false);
    get<AdminQuotaReport>(quotasPath(username)).then(setReport, (err: Error) => setError(err.message));
  }, [username]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!report) return;
    const form = new FormData(event.target as HTMLFormElement);
    const change: Record<string, number | null> = {};
    for (const name of Object.keys(report.limits)) {
      const given = String(form.get(name) ?? '').trim();
      change[name] = given === '' ? null : Number(given);
    }
    try {
      setReport((await call<AdminQuotaReport>('PUT', quotasPath(username), change)).body);
      setError(null);
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <form id="user-quotas" onSubmit={save} aria-label={`Quotas of ${username}`}>
      <h3>Quotas of {username}</h3>
      <Notice error={error} />
      {report && (
        <QuotaTable
          report={report}
          limitHeading="Limit (empty: the default)"
          limit={(name) => (
            <input
              name={name}
              type="number"
              min={0}
              step={1}
              aria-label={`${name} of ${username}`}
              placeholder={String(report.defaults[name])}
              defaultValue={report.overrides[name] === undefined ? '' : String(report.overrides[name])}
            />
          )}
        />
      )}
      <button type="submit">Save quotas</button> {saved && <span role="status">Saved.</span>}
    </form>
  );
}
