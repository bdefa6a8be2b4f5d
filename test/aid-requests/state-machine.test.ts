import { availableActions, REQUEST_STATUSES, type RequestAction, type RequestStatus, transition, TRANSITIONS } from '../../src/aid-requests/state-machine';
import { ROLES } from '../../src/permissions/roles';
import { InvalidTransitionError } from '../../src/shared/errors';

/** DESIGN §5 with issue 4's additions (withdraw until the decision, close an adjourned request), written out. */
const ALLOWED: Array<[RequestStatus, RequestAction, RequestStatus]> = [
  ['draft', 'submit', 'submitted'],
  ['draft', 'withdraw', 'withdrawn'],
  ['submitted', 'withdraw', 'withdrawn'],
  ['in_review', 'withdraw', 'withdrawn'],
  ['awaiting_information', 'withdraw', 'withdrawn'],
  ['submitted', 'take', 'in_review'],
  ['in_review', 'ask_information', 'awaiting_information'],
  ['awaiting_information', 'answer_information', 'in_review'],
  ['in_review', 'grant', 'granted'],
  ['in_review', 'refuse', 'refused'],
  ['in_review', 'adjourn', 'adjourned'],
  ['adjourned', 'reopen', 'in_review'],
  ['granted', 'start_payment', 'in_payment'],
  ['in_payment', 'complete_payment', 'paid'],
  ['paid', 'close', 'closed'],
  ['adjourned', 'close', 'closed'],
];

describe('aid request state machine', () => {
  it('holds exactly the transitions of the design', () => {
    const actual = TRANSITIONS.flatMap((t) => t.from.map((f) => [f, t.action, t.to]));
    expect(actual.sort()).toEqual([...ALLOWED].sort());
  });

  it('refuses every other (status, action) pair with a French message, for every role', () => {
    const actions = [...new Set(TRANSITIONS.map((t) => t.action))];
    for (const status of REQUEST_STATUSES) {
      for (const action of actions) {
        if (ALLOWED.some(([f, a]) => f === status && a === action)) continue;
        for (const role of ROLES) {
          expect(() => transition(role, status, action)).toThrow(InvalidTransitionError);
        }
      }
    }
    expect(() => transition('operator', 'refused', 'grant')).toThrow('« Accorder » n’est pas possible pour une demande « Refusée ».');
  });

  it('lets landlords file and withdraw, and only the association decide', () => {
    expect(transition('landlord_instructor', 'draft', 'submit')).toBe('submitted');
    expect(transition('landlord_admin', 'submitted', 'withdraw')).toBe('withdrawn');
    expect(() => transition('landlord_admin', 'in_review', 'grant')).toThrow('Votre rôle ne permet pas');
    expect(() => transition('operator', 'draft', 'submit')).toThrow('Votre rôle ne permet pas');
    expect(() => transition('auditor', 'in_review', 'refuse')).toThrow(InvalidTransitionError);
    expect(() => transition('social_adviser', 'submitted', 'take')).toThrow(InvalidTransitionError);
    expect(transition('landlord_instructor', 'awaiting_information', 'answer_information')).toBe('in_review');
    expect(transition('accountant', 'granted', 'start_payment')).toBe('in_payment');
  });

  it('lists what a role may do now', () => {
    expect(availableActions('operator', 'in_review').map((a) => a.action)).toEqual(['ask_information', 'grant', 'refuse', 'adjourn']);
    expect(availableActions('landlord_instructor', 'in_review').map((a) => a.action)).toEqual(['withdraw']);
    expect(availableActions('landlord_instructor', 'granted')).toEqual([]);
    expect(availableActions('landlord_instructor', 'draft').map((a) => a.action)).toEqual(['submit', 'withdraw']);
    expect(availableActions('auditor', 'submitted')).toEqual([]);
  });
});
