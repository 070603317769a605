import { MlError } from '../errors';
import type { Task } from '../features/spec';
import type { AnyModelKind } from './kind';
import { denseKinds } from './kinds/dense';
import { gradientBoostingKind } from './kinds/gradient-boosting';
import { randomForestKind } from './kinds/random-forest';

/**
 * Every model kind the platform knows, in the order docs and the API list them. Adding a kind: its own folder under
 * kinds/ and one line here (see docs/MODEL-KINDS.md).
 */
export const MODEL_KIND_REGISTRY: readonly AnyModelKind[] = [
  ...denseKinds, // logistic_regression, mlp_classifier, linear_regression, mlp_regressor
  randomForestKind,
  gradientBoostingKind,
];

const byName = new Map(MODEL_KIND_REGISTRY.map((k) => [k.name, k]));
if (byName.size !== MODEL_KIND_REGISTRY.length) throw new Error('Two registered model kinds share a name.');

export function modelKindNames(): string[] {
  return MODEL_KIND_REGISTRY.map((k) => k.name);
}

/** The registered kind of that name; an unknown name is a permanent error that lists the known ones. */
export function modelKind(name: string): AnyModelKind {
  const kind = byName.get(name);
  if (!kind) {
    throw new MlError({
      code: 'INVALID_INPUT',
      message: `Model kind "${name}" is not registered (known: ${modelKindNames().join(', ')}).`,
    });
  }
  return kind;
}

export function kindsForTask(task: Task): string[] {
  return MODEL_KIND_REGISTRY.filter((k) => k.tasks.includes(task)).map((k) => k.name);
}
