import type { AuditEvent } from './repository';

export interface HistoryChange {
  field: string;
  from: string;
  to: string;
}

export interface HistoryRow {
  at: Date;
  by: string;
  action: string;
  changes: HistoryChange[];
}

export interface HistoryLabels {
  actions: Record<string, string>;
  fields: Record<string, string>;
  /** Turns a stored value into what a person reads (role code → label, ISO date → 31/12/2026…). */
  value?: (field: string, value: unknown) => string;
  /** Who or what the line is about when a page mixes several entities ("Marie Dupont"). */
  subject?: (event: AuditEvent) => string | null;
}

const plain = (_field: string, value: unknown): string =>
  value === null || value === undefined || value === '' ? '—' : typeof value === 'boolean' ? (value ? 'oui' : 'non') : String(value);

/** The "Suivi des modifications" list: who changed which field from what to what, when. */
export function presentHistory(events: AuditEvent[], labels: HistoryLabels): HistoryRow[] {
  const show = labels.value ?? plain;
  return events.map((e) => {
    const present = new Set(Object.keys({ ...(e.before ?? {}), ...(e.after ?? {}) }));
    const isCreation = e.before === null;
    const changes = Object.keys(labels.fields)
      .filter((k) => present.has(k))
      .map((k) => ({
        field: labels.fields[k] ?? k,
        from: isCreation ? '—' : show(k, e.before?.[k]),
        to: e.after === null ? '—' : show(k, e.after[k]),
      }))
      .filter((c) => c.from !== c.to); // a creation lists only the fields it filled
    const action = labels.actions[e.action] ?? e.action;
    const subject = labels.subject?.(e);
    return { at: e.occurredAt, by: e.actorLabel, action: subject ? `${action} — ${subject}` : action, changes };
  });
}
