import type { ComponentChildren } from 'preact';
import type { QuotaName, QuotaReport } from '../api.js';

/** A user's quotas, one row each: the name, what the user holds, and the limit as `limit` renders it. */
export function QuotaTable({
  id,
  report,
  limitHeading = 'Limit',
  limit,
}: {
  id?: string;
  report: QuotaReport;
  limitHeading?: string;
  limit: (name: QuotaName) => ComponentChildren;
}) {
  return (
    <div class="table-scroll">
      <table id={id}>
        <thead>
          <tr>
            <th>Quota</th>
            <th>Used</th>
            <th>{limitHeading}</th>
          </tr>
        </thead>
        <tbody>
          {(Object.keys(report.limits) as QuotaName[]).map((name) => (
            <tr key={name} data-quota={name}>
              <td>{name}</td>
              <td class="used">{report.usage[name] ?? '—'}</td>
              <td>{limit(name)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
