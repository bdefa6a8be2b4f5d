/** What a status means for the household, and what happens next, in short plain sentences. */
export interface PlainStatus {
  label: string;
  next: string;
  tone: 'info' | 'success' | 'warning' | 'secondary';
}

const REQUEST: Record<string, PlainStatus> = {
  draft: { label: 'En préparation', next: 'Votre bailleur prépare la demande. Vous n’avez rien à faire pour l’instant.', tone: 'secondary' },
  submitted: { label: 'Envoyée', next: 'L’association a reçu la demande. Elle va l’étudier.', tone: 'info' },
  in_review: { label: 'À l’étude', next: 'L’association étudie la demande. Vous recevrez un message quand elle aura décidé.', tone: 'info' },
  awaiting_information: {
    label: 'Informations attendues',
    next: 'L’association attend des informations ou des documents. Envoyez ce qui est demandé, ou contactez votre bailleur.',
    tone: 'warning',
  },
  granted: { label: 'Aide accordée', next: 'L’aide est accordée. Elle sera versée à votre bailleur.', tone: 'success' },
  refused: { label: 'Aide refusée', next: 'L’aide n’est pas accordée. Le courrier explique pourquoi. Votre bailleur peut vous aider.', tone: 'secondary' },
  adjourned: { label: 'Décision reportée', next: 'L’association décidera plus tard. Vous n’avez rien à faire pour l’instant.', tone: 'info' },
  withdrawn: { label: 'Retirée', next: 'La demande a été retirée.', tone: 'secondary' },
  in_payment: { label: 'Versements en cours', next: 'L’aide est versée à votre bailleur, en une ou plusieurs fois.', tone: 'success' },
  paid: { label: 'Aide versée', next: 'Toute l’aide a été versée à votre bailleur.', tone: 'success' },
  closed: { label: 'Terminée', next: 'Ce dossier est terminé.', tone: 'secondary' },
};

const MISSION: Record<string, PlainStatus> = {
  proposed: { label: 'Proposé', next: 'Un accompagnement vous est proposé. Votre conseiller ou conseillère va vous contacter.', tone: 'info' },
  accepted: { label: 'Accepté', next: 'Vous avez accepté l’accompagnement. Un premier rendez-vous va être fixé.', tone: 'info' },
  in_progress: { label: 'En cours', next: 'L’accompagnement est en cours. Retrouvez vos rendez-vous ci-dessous.', tone: 'success' },
  completed: { label: 'Terminé', next: 'L’accompagnement est terminé.', tone: 'secondary' },
  interrupted: { label: 'Arrêté', next: 'L’accompagnement a été arrêté.', tone: 'secondary' },
  declined: { label: 'Refusé', next: 'Vous avez refusé l’accompagnement.', tone: 'secondary' },
};

const PAYMENT: Record<string, string> = {
  scheduled: 'Prévu',
  batched: 'En préparation',
  sent: 'Envoyé à la banque',
  settled: 'Versé',
  rejected: 'Refusé par la banque, sera refait',
};

export const requestNow = (status: string): PlainStatus => REQUEST[status] ?? { label: status, next: '', tone: 'secondary' };
export const missionNow = (status: string): PlainStatus => MISSION[status] ?? { label: status, next: '', tone: 'secondary' };
export const paymentWords = (status: string): string => PAYMENT[status] ?? status;

const DECISION: Record<string, string> = {
  grant: 'Aide accordée',
  refuse: 'Aide refusée',
  adjourn: 'Décision reportée',
};

export const decisionWords = (kind: string): string => DECISION[kind] ?? kind;
