export type * from './types.js';
export { createOnramp } from './client.js';
export { OnrampError, type FieldError } from './errors.js';
export { memoryStorage } from './environment.js';
export { flagOf, flagValue } from './flag-value.js';
