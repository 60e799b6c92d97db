/** What the experiment routes share: the id in the path and the 404 naming it. */
import { Type, type Static } from '@sinclair/typebox';
import { OnrampError } from '../http/errors.js';

export const ExperimentParams = Type.Object({
  id: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$',
    description: 'The experiment id.',
  }),
});
export type ExperimentParams = Static<typeof ExperimentParams>;

export const experimentNotFound = (id: string) =>
  new OnrampError('ONR_NOT_FOUND', `No experiment with id ${JSON.stringify(id)}.`, [
    { field: 'params.id', message: 'is not an experiment of the published config' },
  ]);
