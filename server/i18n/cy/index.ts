import type { Messages } from '../messages';
import { information } from './information';
import { journey } from './journey';

/** Every word a claimant reads, in Welsh: the same keys as en/, checked by `tsc` and by tests/unit/translations.test.ts. */
export const cy: Messages = { ...journey, ...information };
