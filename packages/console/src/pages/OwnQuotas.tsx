import { useEffect, useState } from 'preact/hooks';
import { get, type QuotaReport } from '../api.js';
import { Notice } from '../components/Notice.js';
import { QuotaTable } from '../components/QuotaTable.js';

/** The caller's quotas and what it holds of each, read again whenever `changed` changes. */
export function OwnQuotas({ changed }: { changed?: unknown }) {
  const [report, setReport] = useState<QuotaReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void get<QuotaReport>('/v1/quotas').then(setReport, (err: Error) => setError(err.message)), [changed]);
  return (
    <>
      <h2>Your quotas</h2>
      <Notice error={error} />
      {report && <QuotaTable id="own-quotas" report={report} limit={(name) => report.limits[name]} />}
    </>
  );
}
