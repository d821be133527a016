// Option parsers the commands share: a bad value is refused by commander with the option named
// ("option '--steps <n>' argument 'x' is invalid. must be an integer from 1 to 1000").
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max`, both included. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}
