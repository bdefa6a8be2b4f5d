/**
 * The areas of src/ and the arrows allowed between them: an area imports only the areas listed
 * here (and the kernel, which every area may use). docs/architecture.md draws this graph; the
 * import-direction test fails when an import, the drawing or a new folder disagrees with it.
 */

/** Folders and root files every area may import; they import nothing else. */
export const KERNEL = ['shared', 'db', 'permissions', 'files', 'types', 'config.ts', 'logger.ts', 'paths.ts', 'urls.ts'] as const;

/** The composition root: it may import every area; an area imports it only for the type of the assembled services (`import type { Services }`). */
export const ROOT = ['services.ts', 'app.ts', 'server.ts', 'cli.ts', 'labels.ts', 'bootstrap.ts'] as const;

export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  accounts: [],
  audit: [],
  http: ['accounts'],
  organisations: ['audit', 'http'],
  notifications: ['accounts', 'organisations', 'http'],
  auth: ['accounts', 'audit', 'notifications', 'http'],
  users: ['accounts', 'auth', 'audit', 'notifications', 'organisations', 'http'],
  settings: ['audit', 'http'],
  households: ['audit', 'organisations', 'http'],
  'aid-types': ['audit', 'households', 'http'],
  payments: ['accounts', 'audit', 'auth', 'notifications', 'settings', 'http'],
  'aid-requests': ['accounts', 'aid-types', 'audit', 'households', 'notifications', 'organisations', 'payments', 'settings', 'http'],
  accounting: ['audit', 'settings', 'http'],
  missions: ['accounts', 'aid-requests', 'audit', 'households', 'notifications', 'settings', 'http'],
  'access-watch': ['accounts', 'notifications', 'organisations'],
  rights: ['audit', 'organisations', 'http'],
  dashboard: ['aid-requests', 'settings', 'http'],
  statistics: ['aid-requests', 'audit', 'missions', 'http'],
  reports: ['audit', 'notifications', 'settings', 'statistics', 'http'],
  'self-audit': ['audit', 'notifications', 'http'],
  funds: ['accounts', 'aid-requests', 'audit', 'notifications', 'statistics', 'http'],
  assistance: ['accounts', 'audit', 'notifications', 'organisations', 'http'],
  // the household's own space (issue 17): its door and dossier, and the household's side of documents, booking, consent and satisfaction
  'household-space': ['accounts', 'aid-requests', 'aid-types', 'audit', 'auth', 'missions', 'notifications', 'satisfaction', 'settings', 'http'],
  home: ['aid-requests', 'funder', 'http'],
  backup: ['accounts', 'notifications', 'organisations'],
  health: [],
  monitoring: [],
  funder: ['accounting', 'audit', 'households', 'settings', 'http'],
  jobs: ['accounts', 'audit', 'funder', 'notifications', 'organisations', 'payments', 'http'],
  // satisfaction questionnaires (issue 17); the household space imports it for its pages (household-space → satisfaction)
  satisfaction: ['audit', 'notifications', 'http'],
  // the household's consent signed online (issue 17): its household pages live in household-space (household-space → e-signature only through the services)
  'e-signature': ['aid-requests', 'audit', 'household-space', 'notifications', 'settings', 'http'],
};

/** The graph as Mermaid, as docs/architecture.md shows it (kernel and http arrows left out: every area may use them). */
export function mermaid(): string {
  const lines = ['flowchart BT'];
  for (const [area, targets] of Object.entries(ALLOWED)) {
    const shown = targets.filter((t) => t !== 'http');
    if (shown.length === 0) lines.push(`  ${id(area)}[${area}]`);
    for (const t of shown) lines.push(`  ${id(area)}[${area}] --> ${id(t)}[${t}]`);
  }
  return lines.join('\n');
}

const id = (area: string) => area.replace(/-/g, '_');
