export function sharedDir(): string;
export function fixtureDir(): string;
/** Copies the ip2p_pipeline fixture into `out` with a tokenizer/ and scheduler/; `parts` leaves some out (bad-input tests). */
export function makeTinyPipeline(out: string, options?: { parts?: string[] }): string;
