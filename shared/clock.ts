/**
 * What time it is, as a port: the domain asks a `Clock` and never `new Date()`, so a test, a
 * replay or one batch that must see one instant throughout can set the time it sees.
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at `at`. */
export const fixedClock = (at: Date): Clock => ({ now: () => at });

/** Whole seconds since the epoch, rounded down (DynamoDB TTLs, due times). */
export const epochOf = (date: Date): number => Math.floor(date.getTime() / 1000);
