// How a lead is named and where it came from, in words. Pure: no DOM.

import { formatNumber } from './format.js';

/** What to call a lead: its name, else its email, else its phone ("" when it has none of them). */
export function leadLabel(lead) {
  const name = String(lead?.name || [lead?.firstName, lead?.lastName].filter(Boolean).join(' ')).trim();
  if (name) return name;
  if (lead?.email) return String(lead.email);
  if (lead?.phone && lead.phone !== 'N/A') return String(lead.phone);
  return '';
}

/** The places a lead came from; older leads without `sources` fall back to their first file. */
export function sourcesOf(lead) {
  if (Array.isArray(lead?.sources) && lead.sources.length) return lead.sources.filter((item) => item && typeof item === 'object');
  if (lead?.sourceFile || lead?.uploadId) {
    return [{ uploadId: lead.uploadId, fileName: lead.sourceFile, worksheet: lead._worksheet, row: lead.sourceRow }];
  }
  return [];
}

/** "leads.xlsx · Webinar · row 12" (a CSV has no worksheet: "partners.csv · row 3"). */
export function sourceLine(source) {
  const parts = [source?.fileName ? String(source.fileName) : 'Unknown file'];
  if (source?.worksheet) parts.push(String(source.worksheet));
  if (source?.row !== undefined && source?.row !== null && source?.row !== '') {
    const row = Number(source.row);
    parts.push(`row ${Number.isFinite(row) ? formatNumber(row) : String(source.row)}`);
  }
  return parts.join(' · ');
}
