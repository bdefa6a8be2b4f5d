/** The version of the consent text: printed on the PDF, kept with each signature (a new wording gets a new version). */
export const CONSENT_TEXT_VERSION = 'consentement-v1';

/** Who and what the text names for one request. */
export interface ConsentContext {
  associationName: string;
  landlordName: string;
  /** "Julie Martin" */
  signerName: string;
  /** the request's reference, or "brouillon" */
  requestLabel: string;
  aidLabel: string;
  /** the request comes from an orientation of Action Logement (its ASD service receives the decision) */
  funderAsd: boolean;
}

export interface ConsentSection {
  title: string;
  paragraphs: string[];
}

/** The consent text, in plain words (shown on the page and printed in the PDF: the same sections). */
export function consentText(c: ConsentContext): { title: string; intro: string; sections: ConsentSection[]; agreement: string } {
  const recipients = [
    `${c.landlordName}, votre bailleur, qui dépose la demande pour vous`,
    `${c.associationName}, l’association qui étudie la demande et verse l’aide`,
    ...(c.funderAsd
      ? ['le service d’accompagnement social et de diagnostic (ASD) d’Action Logement, qui vous a orienté vers cette aide : il reçoit la décision et son suivi']
      : []),
  ];
  return {
    title: 'Votre accord pour l’utilisation de vos données',
    intro:
      `Cette page concerne la demande d’aide « ${c.aidLabel} » (${c.requestLabel}) faite pour ${c.signerName}. ` +
      'Lisez-la. Si vous êtes d’accord, vous signez en tapant un code reçu par courriel.',
    sections: [
      {
        title: 'Pourquoi nous utilisons vos données',
        paragraphs: [
          'Pour étudier votre demande d’aide au logement, décider du montant, verser l’aide et suivre son utilisation.',
          'Pour produire des statistiques sans votre nom (nombre d’aides, montants, causes des difficultés).',
        ],
      },
      {
        title: 'Quelles données',
        paragraphs: [
          'Votre identité, la composition de votre foyer, votre logement, votre loyer et vos charges, vos ressources, votre situation (emploi, santé si vous choisissez d’en parler), les pièces justificatives et les échanges sur la demande.',
        ],
      },
      {
        title: 'Qui les reçoit',
        paragraphs: recipients.map((r) => `• ${r}.`),
      },
      {
        title: 'Combien de temps nous les gardons',
        paragraphs: [
          'Pendant l’étude de la demande et le versement de l’aide, puis 5 ans après la dernière décision ou le dernier versement (obligations comptables et contrôles). Ensuite, elles sont effacées.',
          'La preuve de votre accord est gardée aussi longtemps que la demande.',
        ],
      },
      {
        title: 'Vos droits',
        paragraphs: [
          'Vous pouvez voir vos données, les faire corriger, demander leur effacement ou limiter leur utilisation, depuis votre espace (« Mes droits ») ou en écrivant à l’association.',
          'Vous pouvez retirer votre accord à tout moment depuis votre espace. Ce retrait ne remet pas en cause ce qui a été fait avant. Sans votre accord, la demande ne peut pas être étudiée.',
          'Si vous pensez que vos droits ne sont pas respectés, vous pouvez vous adresser à la CNIL (www.cnil.fr).',
        ],
      },
      {
        title: 'Comment vous signez',
        paragraphs: [
          'Vous cochez « J’ai lu et je suis d’accord », puis vous tapez le code à 6 chiffres envoyé à votre adresse électronique. C’est une signature électronique simple (règlement européen eIDAS, article 25).',
          'Nous gardons une preuve : ce document, l’heure, l’adresse à laquelle le code a été envoyé, l’adresse de connexion et le navigateur utilisés.',
        ],
      },
    ],
    agreement: 'J’ai lu ce texte et je suis d’accord pour que mes données soient utilisées pour ma demande d’aide.',
  };
}
