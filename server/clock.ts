/** Every rule that depends on time reads it from here, so tests can stand at any instant. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
