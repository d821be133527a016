// Rate and ETA over a recent window, for the `job.progress` events of jobs that report done/total.
export class ProgressMeter {
  private readonly samples: { t: number; done: number }[] = [];

  constructor(private readonly windowMs = 30_000) {}

  /** Records a reading and returns items per second over the window and the seconds left. */
  update(done: number, total: number | null, now = Date.now()): { rate: number | null; etaSeconds: number | null } {
    const last = this.samples[this.samples.length - 1];
    if (last && done < last.done) this.samples.length = 0; // rewound (resume from a checkpoint)
    this.samples.push({ t: now, done });
    while (this.samples.length > 2 && this.samples[0]!.t < now - this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = (now - first.t) / 1000;
    const rate = span > 0 && done > first.done ? (done - first.done) / span : null;
    const left = total === null ? null : Math.max(0, total - done);
    const etaSeconds = left === 0 ? 0 : rate && left !== null ? left / rate : null;
    return { rate, etaSeconds };
  }
}
