import { type Request, type Response, Router } from 'express';
import { sendAttachment } from '../../http/download';
import { z } from 'zod';
import { DOCUMENT_KINDS, type DocumentKind, PAYEE_KINDS } from '../../aid-types/rules';
import { householdListQuery } from '../../households/schemas';
import { backWithErrors, emptyForm, type FormState, postedField, postForm } from '../../http/forms';
import { actor, requireAnyPermission, requirePermission } from '../../http/guards';
import { oneOrManyFilesUpload, singleFileUpload, uploadedFiles } from '../../http/uploads';
import { can } from '../../permissions/index';
import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import { ValidationError } from '../../shared/errors';
import { formatIban } from '../../shared/iban';
import { centsToInput } from '../../shared/money';
import { routes, urls } from '../../urls';
import type { AidRequest } from '../repository';
import {
  amountSchema,
  CAUSES,
  CONSENT_METHODS,
  consentSchema,
  consentStepSchema,
  documentsSchema,
  FILING_STEPS,
  type FilingStep,
  newRequestSchema,
  payeeSchema,
  situationSchema,
  versionOnlySchema,
  withdrawSchema,
} from './schemas';
import type { StepInput } from '../service';
import { situationValues } from './situation';
import { availableActions } from '../state-machine';
import { stepUrl, wizard } from './wizard';

const causeOptions = Object.entries(CAUSES).map(([value, text]) => ({ value, text }));
const consentOptions = Object.entries(CONSENT_METHODS).map(([value, text]) => ({ value, text }));
const pick = (body: unknown, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (body as Record<string, unknown> | undefined)?.[k] ?? '']));
const stepField = z.object({ step: z.enum(['situation', 'aide', 'versement', 'consentement']).catch('situation') });

/** A step of the filing: its schema, what its form shows, and what its valid input changes on the draft. */
interface StepDefinition {
  step: FilingStep;
  url: (id: string) => string;
  /** the route's Express pattern */
  pattern: string;
  view: string;
  schema: (today: string) => z.ZodType;
  values: (r: AidRequest, services: Services) => Promise<Record<string, unknown>> | Record<string, unknown>;
  change: (data: never) => StepInput;
}

const STEPS: StepDefinition[] = [
  {
    step: 'situation',
    url: urls.requestSituation,
    pattern: routes.requestSituation,
    view: 'aid-requests/situation',
    schema: () => situationSchema,
    values: (r) => situationValues(r.situation, r.version),
    change: (input) => ({ step: 'situation', input }),
  },
  {
    step: 'aide',
    url: urls.requestAmount,
    pattern: routes.requestAmount,
    view: 'aid-requests/amount',
    schema: () => amountSchema,
    values: (r) => ({ requested: r.requestedCents ? centsToInput(r.requestedCents) : '', requestedMonths: r.requestedMonths ?? '', version: r.version }),
    change: (input) => ({ step: 'aide', input }),
  },
  {
    step: 'versement',
    url: urls.requestPayee,
    pattern: routes.requestPayee,
    view: 'aid-requests/payee',
    schema: () => payeeSchema,
    values: async (r, services) => {
      const payee = await services.aidRequests.payeeDefaults(r);
      return {
        payeeKind: payee?.kind ?? (r.aidTypePayees.length === 1 ? r.aidTypePayees[0] : ''),
        payeeName: payee?.name ?? '',
        payeeIban: payee?.iban ? formatIban(payee.iban) : '',
        payeeBic: payee?.bic ?? '',
        version: r.version,
      };
    },
    change: (input) => ({ step: 'versement', input }),
  },
  {
    step: 'consentement',
    url: urls.requestConsent,
    pattern: routes.requestConsent,
    view: 'aid-requests/consent',
    schema: (today) => consentSchema(today),
    values: (r) => ({ consentInformed: r.consent ? 'on' : '', consentDate: r.consent?.date ?? '', consentMethod: r.consent?.method ?? '', version: r.version }),
    change: (input) => ({ step: 'consentement', input }),
  },
];

/** The landlord's filing: household and aid, then one page per step, a draft saved at each, the recap and the submission. */
export function aidRequestRoutes(services: Services): Router {
  const router = Router();
  const { aidRequests, households, logger, clock } = services;
  const today = () => parisDate(clock.now());
  const requestId = (req: Request) => String(req.params.id);

  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const householdId = String(form.values.householdId ?? req.query.menage ?? '');
    const household = householdId ? await households.get(a, householdId).catch(() => null) : null;
    const search = householdListQuery.parse({ q: req.query.q ?? undefined });
    const found = !household && search.q ? await households.list(a, { ...search, page: 1 }) : null;
    res.render('aid-requests/new', { form, household, found, q: search.q ?? '', aidTypeOptions: await aidRequests.aidTypeChoices(a, household?.id ?? null) });
  };
  router.get(urls.requestNew(), ...requirePermission('requests:file'), (req, res) => renderNew(req, res, emptyForm(req, { householdId: req.query.menage })));
  postForm(router, urls.requests(), logger, {
    permission: 'requests:file',
    schema: newRequestSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      const id = await aidRequests.createDraft(actor(req), data.householdId, data.aidTypeId);
      req.flash('success', 'Le brouillon est créé : il est enregistré à chaque étape, vous pouvez le reprendre plus tard.');
      res.redirect(urls.requestSituation(id));
    },
  });

  for (const def of STEPS) {
    const render = async (req: Request, res: Response, form: FormState) => {
      const a = actor(req);
      const request = await aidRequests.read(a, requestId(req), def.step, 'requests:file');
      if (request.status !== 'draft') {
        // a submitted request is not edited any more: say so on its page
        if (form.errors._form) req.flash('error', form.errors._form);
        return res.redirect(urls.request(request.id));
      }
      const signedForms =
        def.step === 'consentement' ? (await services.requestDocuments.list(a, request.id)).filter((d) => d.kind === 'consent' && d.current) : [];
      const landlordAccount =
        def.step === 'versement' && request.aidTypePayees.includes('landlord') ? await aidRequests.landlordAccount(request.organisationId) : null;
      res.render(def.view, {
        ...(await wizard(services, a, request, def.step)),
        form,
        signedForms,
        landlordAccount,
        canOwnAccount: can(a, 'bank-accounts:own'),
        causeOptions,
        consentOptions,
        payeeOptions: request.aidTypePayees.map((k) => ({ value: k, text: PAYEE_KINDS[k] })),
        // issue 17: « Le ménage signe en ligne » (src/e-signature)
        eSignature: def.step === 'consentement' ? await services.consentSignatures.stepState(a, request.id) : null,
      });
    };
    const path = def.pattern;
    router.get(path, ...requirePermission('requests:file'), async (req, res) => {
      const request = await aidRequests.get(actor(req), requestId(req), undefined, 'requests:file');
      await render(req, res, emptyForm(req, await def.values(request, services)));
    });
    const saved = (req: Request, res: Response, message = 'Enregistré.') => {
      const next = FILING_STEPS[FILING_STEPS.indexOf(def.step) + 1] ?? 'recapitulatif';
      req.flash('success', message);
      res.redirect(postedField(req, 'suite') ? stepUrl(next, requestId(req)) : def.url(requestId(req)));
    };
    if (def.step === 'consentement') {
      // one form holds the consent and its signed form: attaching the file keeps what is typed
      postForm(router, path, logger, {
        permission: 'requests:file',
        before: singleFileUpload('file'),
        schema: () => consentStepSchema(today()),
        render,
        handle: async (req, res, data) => {
          if (req.uploadError) throw new ValidationError({ file: req.uploadError });
          const id = requestId(req);
          const file = req.file?.originalname ? req.file : undefined;
          if (file) await services.requestDocuments.attachSignedConsent(actor(req), id, file, data.consent);
          else if (data.consent) await aidRequests.saveStep(actor(req), id, { step: 'consentement', input: data.consent });
          if (data.consent)
            return saved(
              req,
              res,
              file
                ? 'Formulaire signé joint. Consentement enregistré.'
                : data.attach
                  ? 'Consentement enregistré. Aucun fichier choisi : rien n’a été joint.'
                  : 'Enregistré.',
            );
          if (!file || !data.attach)
            throw new ValidationError({ ...data.errors, ...(data.attach ? { file: 'Choisissez le formulaire signé à joindre' } : {}) });
          // the form is attached: what is typed comes back on the step, as typed, to complete
          req.session.savedForm = { path: urls.requestConsent(id), values: pick(req.body, ['consentInformed', 'consentDate', 'consentMethod']) };
          req.flash('success', 'Formulaire signé joint. Complétez le consentement puis enregistrez-le.');
          res.redirect(urls.requestConsent(id));
        },
      });
      continue;
    }
    postForm(router, path, logger, {
      permission: 'requests:file',
      schema: () => def.schema(today()),
      render,
      handle: async (req, res, data) => {
        await aidRequests.saveStep(actor(req), requestId(req), def.change(data as never));
        saved(req, res);
      },
    });
  }

  router.get(routes.requestDocuments, ...requirePermission('requests:file'), async (req, res) => {
    const a = actor(req);
    const request = await aidRequests.read(a, requestId(req), 'pieces', 'requests:file');
    if (request.status !== 'draft') return res.redirect(urls.requestTab(request.id, 'pieces'));
    res.render('aid-requests/documents-step', {
      ...(await wizard(services, a, request, 'pieces')),
      ...(await documentsView(services, req, request)),
      form: emptyForm(req),
    });
  });

  router.get(routes.requestRecap, ...requirePermission('requests:file'), async (req, res) => {
    const a = actor(req);
    const request = await aidRequests.read(a, requestId(req), 'recapitulatif', 'requests:file');
    if (request.status !== 'draft') return res.redirect(urls.request(request.id));
    res.render('aid-requests/recap', { ...(await wizard(services, a, request, 'recapitulatif')), ...(await documentsView(services, req, request)) });
  });

  /** htmx: the checks for what is typed now on a step (same schema and rules as on save and submit). */
  postForm(router, routes.requestCheck, logger, {
    permission: 'requests:read',
    schema: (req: Request) => {
      const step = stepField.parse(req.body ?? {}).step;
      return (STEPS.find((s) => s.step === step) as StepDefinition).schema(today());
    },
    render: async (req, res, form) => {
      // a field that does not parse replaces the step's own lines; every other step's check stays
      const step = stepField.parse(req.body ?? {}).step;
      const saved = await aidRequests.check(actor(req), requestId(req));
      const typed = Object.values(form.errors).map((message) => ({ code: 'input', level: 'error' as const, message, step }));
      const check = { ...saved, lines: [...typed, ...saved.lines.filter((l) => l.step !== step)], evaluation: step === 'situation' ? null : saved.evaluation };
      res.status(200).render('aid-requests/_checks', { check, requestId: requestId(req) });
    },
    handle: async (req, res, data) => {
      const step = stepField.parse(req.body ?? {}).step;
      const def = STEPS.find((s) => s.step === step) as StepDefinition;
      res.render('aid-requests/_checks', { check: await aidRequests.check(actor(req), requestId(req), def.change(data as never)), requestId: requestId(req) });
    },
  });

  const backToRecap = backWithErrors(
    (req) => urls.requestRecap(requestId(req)),
    (req) => aidRequests.get(actor(req), requestId(req)),
  );
  postForm(router, routes.requestSubmit, logger, {
    permission: 'requests:file',
    schema: versionOnlySchema,
    render: backToRecap,
    handle: async (req, res, data) => {
      const reference = await aidRequests.submit(actor(req), requestId(req), data.version);
      req.flash('success', `La demande ${reference} est déposée : l’association va l’instruire. Vous suivrez ici son avancement et ses échanges.`);
      res.redirect(urls.request(requestId(req)));
    },
  });

  /** Withdrawing asks first: this page says what will happen, its form confirms. */
  router.get(routes.requestWithdraw, ...requirePermission('requests:file'), async (req, res) => {
    const a = actor(req);
    const request = await aidRequests.read(a, requestId(req), 'retirer', 'requests:file');
    if (!availableActions(a.role, request.status).some((x) => x.action === 'withdraw')) {
      req.flash('error', 'Cette demande ne peut plus être retirée.');
      return res.redirect(urls.request(request.id));
    }
    res.render('aid-requests/withdraw', { request, form: emptyForm(req, { version: request.version }) });
  });
  const backToConfirmation = backWithErrors(
    (req) => urls.requestWithdraw(requestId(req)),
    (req) => aidRequests.get(actor(req), requestId(req)),
  );
  postForm(router, routes.requestWithdraw, logger, {
    permission: 'requests:file',
    schema: withdrawSchema,
    render: backToConfirmation,
    handle: async (req, res, data) => {
      await aidRequests.withdraw(actor(req), requestId(req), data.version);
      req.flash('success', 'La demande est retirée.');
      res.redirect(urls.request(requestId(req)));
    },
  });

  /** Where an upload returns: the documents step of a draft, the documents tab otherwise. */
  const backToDocuments = backWithErrors(
    (req) => (postedField(req, 'retour') === 'etape' ? urls.requestDocuments(requestId(req)) : urls.requestTab(requestId(req), 'pieces')),
    (req) => aidRequests.get(actor(req), requestId(req)),
  );
  postForm(router, routes.requestDocuments, logger, {
    permission: 'requests:file',
    before: oneOrManyFilesUpload('file', 'files', MAX_FILES),
    schema: documentsSchema,
    render: backToDocuments,
    handle: async (req, res, data) => {
      if (req.uploadError) throw new ValidationError({ files: req.uploadError });
      const done = await services.requestDocuments.receive(actor(req), requestId(req), { ...data, files: uploadedFiles(req) });
      req.flash('success', receivedMessage(done, data.kind));
      await backToDocuments(req, res, { values: {}, errors: {}, errorSummary: [] });
    },
  });

  /** Downloads are attachments, never rendered by the browser (ASVS 12.5.2). */
  router.get(routes.requestDocument, ...requireAnyPermission('requests:read', 'requests:read-assigned'), async (req, res) => {
    const file = await services.requestDocuments.download(actor(req), requestId(req), String(req.params.documentId));
    sendAttachment(res, file.filename, file.contentType, file.data);
  });

  return router;
}

/** At most this many files in one sending of the documents form. */
const MAX_FILES = 10;

/** What the documents form did, in one sentence. */
function receivedMessage(done: { added: number; received: number; discarded: number }, kind: DocumentKind | null): string {
  const parts: string[] = [];
  if (done.added === 1 && kind && done.received === 0) parts.push(`Pièce ajoutée : ${DOCUMENT_KINDS[kind]}.`);
  else if (done.added) parts.push(done.added === 1 ? '1 pièce enregistrée.' : `${done.added} pièces enregistrées.`);
  if (done.received) parts.push(`${done.received === 1 ? '1 fichier reçu' : `${done.received} fichiers reçus`} : choisissez le type de chacun ci-dessous.`);
  if (done.discarded) parts.push('Fichier écarté.');
  return parts.join(' ');
}

/** The documents of a request with its required kinds (provided or missing), for the step, the recap and the tab. */
export async function documentsView(services: Services, req: Request, request: AidRequest) {
  const [documents, received, rules] = await Promise.all([
    services.requestDocuments.list(actor(req), request.id),
    services.requestDocuments.received(actor(req), request.id),
    services.aidRequests.rulesOf(request),
  ]);
  return {
    documents,
    received,
    requiredDocuments: (rules?.rules.documents ?? []).map((d) => ({
      ...d,
      label: DOCUMENT_KINDS[d.kind],
      provided: documents.some((x) => x.current && x.kind === d.kind),
    })),
    documentOptions: Object.entries(DOCUMENT_KINDS).map(([value, text]) => ({ value, text })),
  };
}

/** A stored file sent as a download, never displayed inline. */
