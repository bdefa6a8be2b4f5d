import { z } from 'zod';
import { optionalDate, optionalText } from '../../shared/form-fields';
import { parseEurosToCents } from '../../shared/money';
import { REQUEST_STATUSES } from '../state-machine';

/** Query strings are never an error: what does not parse is ignored (a bookmarked URL keeps working). */
const maybeUuid = z.uuid().optional().catch(undefined);
const maybeDate = optionalDate().catch(undefined);
const page = z.coerce.number().int().min(1).max(100000).catch(1).default(1);
const maybeCents = z
  .string()
  .optional()
  .catch(undefined)
  .transform((v) => (v ? (parseEurosToCents(v) ?? undefined) : undefined));

export const SORTS = {
  maj: 'r.updated_at',
  depot: 'r.submitted_at',
  reference: 'r.reference',
  montant: 'r.requested_cents',
  statut: 'r.status',
  locataire: 'r.search_name',
} as const;
export type Sort = keyof typeof SORTS;

export const listQuery = z.object({
  status: z.enum(REQUEST_STATUSES).optional().catch(undefined),
  type: maybeUuid,
  agence: maybeUuid,
  bailleur: maybeUuid,
  menage: maybeUuid,
  du: maybeDate,
  au: maybeDate,
  q: optionalText(100).catch(undefined),
  tri: z
    .enum(Object.keys(SORTS) as [Sort, ...Sort[]])
    .catch('maj')
    .default('maj'),
  ordre: z.enum(['asc', 'desc']).catch('desc').default('desc'),
  page,
});
export type ListQuery = z.infer<typeof listQuery>;

export const QUEUE_TABS = {
  a_prendre: 'À prendre',
  mes_dossiers: 'Mes dossiers',
  attente: 'En attente du bailleur',
  a_valider: 'À valider',
  decides: 'Décidés (30 jours)',
} as const;
export type QueueTab = keyof typeof QUEUE_TABS;

export const queueQuery = z.object({
  onglet: z
    .enum(Object.keys(QUEUE_TABS) as [QueueTab, ...QueueTab[]])
    .catch('a_prendre')
    .default('a_prendre'),
  bailleur: maybeUuid,
  type: maybeUuid,
  age: z.coerce.number().int().min(0).max(3650).optional().catch(undefined),
  min: maybeCents,
  max: maybeCents,
  page,
});
export type QueueQuery = z.infer<typeof queueQuery>;

/** Columns a person may choose for the CSV/XLSX export of the list, in this order. */
export const EXPORT_COLUMNS = {
  reference: 'Référence',
  aide: 'Aide',
  bailleur: 'Bailleur',
  agence: 'Agence',
  locataire: 'Locataire',
  statut: 'Statut',
  demande: 'Montant demandé (€)',
  mensualites: 'Mensualités',
  accorde: 'Montant accordé (€)',
  depot: 'Déposée le',
  decision: 'Décidée le',
  instructeur: 'Chargé d’instruction',
  maj: 'Modifiée le',
} as const;
export type ExportColumn = keyof typeof EXPORT_COLUMNS;
export const DEFAULT_EXPORT_COLUMNS: ExportColumn[] = ['reference', 'aide', 'bailleur', 'locataire', 'statut', 'demande', 'accorde', 'depot'];

const columnCodes = Object.keys(EXPORT_COLUMNS) as [ExportColumn, ...ExportColumn[]];
export const exportQuery = listQuery.extend({
  colonnes: z
    .preprocess((v): unknown => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string()))
    .transform((cols) => {
      const chosen = columnCodes.filter((c) => cols.includes(c));
      return chosen.length ? chosen : DEFAULT_EXPORT_COLUMNS;
    }),
});
export type ExportQuery = z.infer<typeof exportQuery>;

export const saveFilterSchema = z.object({
  name: z.string({ error: 'Nommez ce filtre' }).trim().min(1, { error: 'Nommez ce filtre' }).max(60, { error: 'Un nom de 60 caractères au plus' }),
  query: z.string().max(1000).default(''),
});
