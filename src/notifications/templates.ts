import type { OutgoingMail } from './repository';

const SIGNATURE = '\n\n— Entraide, l’extranet des aides et de l’accompagnement\nCe message est envoyé automatiquement, merci de ne pas y répondre.';

export function invitationMail(to: string, firstName: string, organisationName: string, link: string, hours: number): OutgoingMail {
  return {
    kind: 'user.invitation',
    to,
    subject: 'Votre accès à Entraide',
    text:
      `Bonjour ${firstName},\n\nUn compte Entraide a été créé pour vous (${organisationName}).\n` +
      `Pour choisir votre mot de passe, ouvrez ce lien dans les ${hours} heures :\n${link}\n\n` +
      'Ce lien ne fonctionne qu’une fois.' +
      SIGNATURE,
  };
}

export function passwordResetMail(to: string, firstName: string, link: string, minutes: number): OutgoingMail {
  return {
    kind: 'user.password_reset',
    to,
    subject: 'Réinitialisation de votre mot de passe Entraide',
    text:
      `Bonjour ${firstName},\n\nUne réinitialisation de votre mot de passe a été demandée.\n` +
      `Pour choisir un nouveau mot de passe, ouvrez ce lien dans les ${minutes} minutes :\n${link}\n\n` +
      'Ce lien ne fonctionne qu’une fois. Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.' +
      SIGNATURE,
  };
}

export function accountLockedMail(to: string, firstName: string, minutes: number): OutgoingMail {
  return {
    kind: 'user.locked',
    to,
    subject: 'Votre compte Entraide est temporairement verrouillé',
    text:
      `Bonjour ${firstName},\n\nPlusieurs tentatives de connexion ont échoué sur votre compte : il est verrouillé pendant ${minutes} minutes.\n` +
      'Si ce n’était pas vous, prévenez l’administrateur de votre organisation.' +
      SIGNATURE,
  };
}

/** To the association's administrators: a batch job failed (at most one mail per job and day). */
export function jobFailedMail(to: string, firstName: string, failure: { job: string; period: string; message: string; link: string }): OutgoingMail {
  return {
    kind: 'job.failed',
    to,
    subject: `Entraide : la tâche ${failure.job} a échoué`,
    text:
      `Bonjour ${firstName},\n\nLa tâche planifiée « ${failure.job} » (période ${failure.period}) a échoué :\n${failure.message}\n\n` +
      `Une fois la cause corrigée, relancez-la depuis la page Tâches : ${failure.link}\n` +
      SIGNATURE,
  };
}

/** To the association's administrators: files sent to Action Logement still without its acknowledgement (once per file). */
export function funderUnacknowledgedMail(to: string, firstName: string, notice: { files: string[]; hours: number; link: string }): OutgoingMail {
  const many = notice.files.length > 1;
  return {
    kind: 'funder.unacknowledged',
    to,
    subject: `Entraide : ${many ? `${notice.files.length} fichiers envoyés` : 'un fichier envoyé'} à Action Logement sans accusé de réception`,
    text:
      `Bonjour ${firstName},\n\n${many ? 'Ces fichiers déposés' : 'Ce fichier déposé'} sur le serveur d’Action Logement n’${many ? 'ont' : 'a'} pas reçu d’accusé de réception après ${notice.hours} heures :\n` +
      notice.files.map((f) => `- ${f}\n`).join('') +
      `\nVérifiez auprès du financeur qu’${many ? 'ils ont' : 'il a'} bien été ${many ? 'reçus' : 'reçu'} ; les échanges se suivent sur la page Échanges : ${notice.link}\n` +
      SIGNATURE,
  };
}

/** To the association's administrators: someone read many records in an hour (a count, never what was read). */
export function accessAlertMail(
  to: string,
  firstName: string,
  alert: { userName: string; organisationName: string; records: number; period: string; link: string },
): OutgoingMail {
  return {
    kind: 'security.access_alert',
    to,
    subject: 'Entraide : lectures inhabituelles de dossiers',
    text:
      `Bonjour ${firstName},\n\n${alert.userName} (${alert.organisationName}) a consulté ${alert.records} dossiers différents (ménages, demandes, missions) ${alert.period}.\n` +
      `Ce volume dépasse le seuil d’alerte. Vérifiez que ces consultations sont justifiées ; le compte se trouve ici : ${alert.link}\n` +
      SIGNATURE,
  };
}

export function passwordChangedMail(to: string, firstName: string): OutgoingMail {
  return {
    kind: 'user.password_changed',
    to,
    subject: 'Votre mot de passe Entraide a été modifié',
    text:
      `Bonjour ${firstName},\n\nLe mot de passe de votre compte vient d’être modifié et vos autres sessions ont été fermées.\n` +
      'Si ce n’était pas vous, prévenez immédiatement l’administrateur de votre organisation.' +
      SIGNATURE,
  };
}

/** The code that proves, before a second factor is enrolled, that the person reads the account's mail. */
export function enrolmentCodeMail(to: string, firstName: string, code: string, minutes: number): OutgoingMail {
  return {
    kind: 'user.second_factor_code',
    to,
    subject: 'Votre code pour activer le second facteur Entraide',
    text:
      `Bonjour ${firstName},\n\nPour activer le second facteur de votre compte Entraide, saisissez ce code dans les ${minutes} minutes :\n\n${code}\n\n` +
      'Il ne sert qu’une fois. Si vous n’êtes pas en train de vous connecter, quelqu’un connaît votre mot de passe : changez-le et prévenez l’administrateur de votre organisation.' +
      SIGNATURE,
  };
}

export type SecondFactorChange = 'enabled' | 'reset' | 'recovery_codes' | 'recovery_code_used';

/** ASVS 2.2.3: the person is told of every change to their second factor, so a change they did not make shows. */
export function secondFactorChangedMail(to: string, firstName: string, change: SecondFactorChange): OutgoingMail {
  const what: Record<SecondFactorChange, string> = {
    enabled: 'Un second facteur (application d’authentification) vient d’être activé sur votre compte Entraide.',
    reset: 'Le second facteur de votre compte Entraide vient d’être réinitialisé : vous en activerez un nouveau à votre prochaine connexion.',
    recovery_codes: 'De nouveaux codes de secours viennent d’être générés pour votre compte Entraide : les anciens ne fonctionnent plus.',
    recovery_code_used: 'Un code de secours vient d’être utilisé pour vous connecter à Entraide : il ne servira plus.',
  };
  return {
    kind: 'user.second_factor_changed',
    to,
    subject: 'Le second facteur de votre compte Entraide a changé',
    text: `Bonjour ${firstName},\n\n${what[change]}\n` + 'Si ce n’était pas vous, prévenez immédiatement l’administrateur de votre organisation.' + SIGNATURE,
  };
}
