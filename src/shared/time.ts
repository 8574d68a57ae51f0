/** Lengths of time in milliseconds, the unit every stored time and clock in Masthead uses. */
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
