import { type NextFunction, type Request, type Response, Router } from 'express';
import { emptyForm, type FormState, postForm } from '../../http/forms';
import { answerSchema, COMMENT_MAX, toAnswerInput } from '../../satisfaction/schemas';
import type { AnswerOutcome, Survey } from '../../satisfaction/service';
import type { Services } from '../../services';
import { NotFoundError } from '../../shared/errors';
import { routes, urls } from '../../urls';
import { householdActor, householdAuditActor } from '../actor';
import { requireHousehold } from '../guard';

/**
 * The household's satisfaction questionnaires (src/satisfaction): the mailed link opens one without logging in (the answer is
 * anonymous: nothing of the household is shown or kept with it); the household's space lists its
 * own and opens them by id. Answered once; a second visit says so.
 */
export function householdSatisfactionRoutes(services: Services): Router {
  const router = Router();
  const { satisfaction, logger } = services;
  const token = (req: Request) => String(req.params.surveyToken);
  const surveyId = (req: Request) => String(req.params.surveyId);

  /** The questionnaire of the page (link or space), found once per request. */
  const load = async (req: Request, res: Response): Promise<Survey> => {
    const known = res.locals.survey as Survey | undefined;
    if (known) return known;
    const survey =
      req.params.surveyToken !== undefined
        ? await satisfaction.byToken(token(req))
        : await satisfaction.forHousehold(householdActor(req).householdId, surveyId(req));
    if (!survey) throw new NotFoundError('Ce lien ne correspond à aucun questionnaire. Vérifiez qu’il est complet.');
    res.locals.survey = survey;
    return survey;
  };
  const action = (req: Request) => (req.params.surveyToken !== undefined ? urls.householdSurvey(token(req)) : urls.householdSurveyAnswer(surveyId(req)));
  const render = async (req: Request, res: Response, form: FormState) => {
    const survey = await load(req, res);
    res.render('household/satisfaction/form', {
      survey,
      form,
      action: action(req),
      thanks: req.query.merci === '1',
      commentMax: COMMENT_MAX,
      // from the mailed link, nobody is logged in: no way back to a space
      inSpace: req.params.surveyToken === undefined,
    });
  };
  /** A questionnaire already answered or closed is not posted to again: its page says why. */
  const onlyOpen = async (req: Request, res: Response, next: NextFunction) => {
    if ((await load(req, res)).state !== 'open') return res.redirect(303, action(req));
    next();
  };
  const done = (req: Request, res: Response, outcome: AnswerOutcome) => res.redirect(outcome === 'stored' ? `${action(req)}?merci=1` : action(req));

  router.get(routes.householdSurveys, requireHousehold, async (req, res) => {
    const actor = householdActor(req);
    const surveys = await satisfaction.listForHousehold(actor.householdId);
    await services.householdSpace.trace(actor, { action: 'household.surveys', entityType: 'household', entityId: actor.householdId, requestId: req.id });
    res.render('household/satisfaction/list', { surveys });
  });

  router.get(routes.householdSurveyAnswer, requireHousehold, async (req, res) => {
    const survey = await load(req, res);
    await services.householdSpace.trace(householdActor(req), {
      action: 'household.survey',
      entityType: 'satisfaction_invitation',
      entityId: survey.id,
      requestId: req.id,
    });
    await render(req, res, emptyForm(req));
  });
  postForm(router, routes.householdSurveyAnswer, logger, {
    permission: null,
    before: [requireHousehold, onlyOpen],
    schema: (req) => answerSchema((req.res?.locals.survey as Survey).questionnaire),
    render,
    handle: async (req, res, data) => {
      const survey = res.locals.survey as Survey;
      const actor = householdActor(req);
      const household = { householdId: actor.householdId, author: householdAuditActor(actor) };
      done(req, res, await satisfaction.answerAsHousehold(household, survey.id, toAnswerInput(survey.questionnaire, data)));
    },
  });

  router.get(routes.householdSurvey, (req, res) => render(req, res, emptyForm(req)));
  postForm(router, routes.householdSurvey, logger, {
    permission: null,
    before: [onlyOpen],
    schema: (req) => answerSchema((req.res?.locals.survey as Survey).questionnaire),
    render,
    handle: async (req, res, data) => {
      const survey = res.locals.survey as Survey;
      done(req, res, await satisfaction.answerByToken(token(req), toAnswerInput(survey.questionnaire, data)));
    },
  });
  return router;
}
