import type { Role } from '../permissions/roles';
import { InvalidTransitionError } from './errors';

/** One allowed move of a lifecycle: the action, the statuses it starts from, where it leads, who may take it. */
export interface Transition<S extends string, A extends string> {
  action: A;
  from: readonly S[];
  to: S;
  roles: readonly Role[];
  label: string;
}

/**
 * A lifecycle as a table of transitions (requests, missions…): `move` gives where an action leads
 * or throws a French InvalidTransitionError; `available` lists what a role may do now.
 */
export function lifecycle<S extends string, A extends string>(transitions: ReadonlyArray<Transition<S, A>>, statusLabels: Record<S, string>, noun: string) {
  return {
    move(role: Role, status: S, action: A): S {
      const t = transitions.find((x) => x.action === action);
      if (!t) throw new InvalidTransitionError('Action inconnue');
      if (!t.from.includes(status)) throw new InvalidTransitionError(`« ${t.label} » n’est pas possible pour ${noun} « ${statusLabels[status]} ».`);
      if (!t.roles.includes(role)) throw new InvalidTransitionError(`Votre rôle ne permet pas de « ${t.label.toLowerCase()} ».`);
      return t.to;
    },
    available(role: Role, status: S): Array<Transition<S, A>> {
      return transitions.filter((t) => t.from.includes(status) && t.roles.includes(role));
    },
  };
}
