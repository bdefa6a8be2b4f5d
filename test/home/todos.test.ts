import { todoLines } from '../../src/home/todos';
import type { HomeTodos } from '../../src/home/service';
import type { Role } from '../../src/permissions';

/** The words of the home page's "À faire": zero in words and no link, one and many agreed. */
const ZERO: Array<[Role, HomeTodos]> = [
  ['landlord_admin', { kind: 'landlord', awaiting: 0, drafts: 0, orientations: 0, account: { confirmed: true, pending: false }, invited: 0 }],
  ['operator', { kind: 'operator', toTake: 0, mine: 0, answers: 0, toValidate: 0, orientations: 0 }],
  [
    'admin',
    {
      kind: 'admin',
      toValidate: 0,
      accountReviews: 0,
      failedJobs: 0,
      lastBackup: new Date('2026-11-23T00:30:00Z'),
      backupStale: false,
      orientations: 0,
      funderUnacknowledged: 0,
    },
  ],
  ['accountant', { kind: 'accountant', toApprove: 0, toTransmit: 0, closablePeriods: 0 }],
  ['social_adviser', { kind: 'adviser', today: 0, writeUp: { total: 0, items: [] } }],
];

describe('home to-do lines', () => {
  it.each(ZERO)('never shows a bare 0 to the %s, and links nowhere when there is nothing to do', (role, todos) => {
    for (const line of todoLines({ role }, todos)) {
      expect(line.text).not.toMatch(/(^|\D)0(\D|$)/);
      expect(line.text).toMatch(/^(Aucun|Aucune|RIB confirmé : rien à faire|Sauvegarde de moins de 36 h : rien à faire)/);
      expect(line.href).toBeNull();
    }
  });

  it('agrees the words with one and with many', () => {
    const one = todoLines({ role: 'accountant' }, { kind: 'accountant', toApprove: 1, toTransmit: 1, closablePeriods: 1 }).map((l) => l.text);
    expect(one).toEqual(['1 lot de virements à approuver', '1 lot approuvé à marquer transmis', '1 période terminée à clore']);
    const many = todoLines({ role: 'operator' }, { kind: 'operator', toTake: 2, mine: 3, answers: 4, toValidate: 5, orientations: 6 }).map((l) => l.text);
    expect(many).toEqual([
      '2 demandes à prendre',
      '3 dossiers suivis par vous (en instruction ou ajourné)',
      '4 réponses de bailleurs reçues sur vos dossiers',
      '5 propositions de décision à valider',
      '6 orientations ASD d’Action Logement à traiter',
    ]);
    const admin = todoLines(
      { role: 'admin' },
      { kind: 'admin', toValidate: 0, accountReviews: 0, failedJobs: 0, lastBackup: null, backupStale: true, orientations: 1, funderUnacknowledged: 1 },
    );
    expect(admin.slice(-2).map((l) => [l.text, l.href])).toEqual([
      ['1 orientation ASD d’Action Logement à traiter', '/orientations'],
      ['1 fichier envoyé à Action Logement sans accusé depuis plus de 48 h', '/echanges'],
    ]);
  });

  it('links a count only to a page the role may open', () => {
    // an auditor given an operator's counts by mistake would get words, never a link it cannot follow
    const lines = todoLines({ role: 'auditor' }, { kind: 'operator', toTake: 2, mine: 0, answers: 0, toValidate: 1, orientations: 3 });
    expect(lines.every((l) => l.href === null)).toBe(true);
  });
});
