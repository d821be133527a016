// What the embedding trainers take in and report out. The trainers know no store: data arrives as
// pairs, results leave through callbacks, so the same code runs under the CLI, the engine host
// process and the tests.

/** Interleaved 8-bit RGB, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The tightest box around the mask (Eq. 6), in pixels: [x, x + w) × [y, y + h). */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An image now, or a loader (the CLI decodes store blobs on demand instead of holding a dataset in memory). */
export type ImageSource = RgbImage | (() => Promise<RgbImage>);

/** One (region in context, region description t_r) pair for Region-CLIP. */
export interface RegionPair {
  id: string;
  split: 'train' | 'val';
  /** The target image (after the edit). */
  target: ImageSource;
  /** Tight mask box on the target image (Eq. 6). */
  box: PixelBox;
  /** The region description t_r. */
  text: string;
}

/** One (target image, scene description t_f) pair for BLIP. */
export interface ScenePair {
  id: string;
  split: 'train' | 'val';
  target: ImageSource;
  text: string;
}

export async function loadImage(source: ImageSource): Promise<RgbImage> {
  const img = typeof source === 'function' ? await source() : source;
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`image of ${img.width}×${img.height} has ${img.data.length} bytes; wants ${img.width * img.height * 3} (interleaved RGB)`);
  }
  return img;
}

/** One metric record of a step (train) or an evaluation (val_*). */
export type MetricValues = Record<string, number>;

export interface CheckpointInfo {
  step: number;
  epoch: number;
  phase: string;
  /** The checkpoint folder (absolute). */
  dir: string;
  /** Bytes written. */
  size: number;
  /** Validation recall@1 at this checkpoint, when validation ran at its step (else null). */
  validationScore: number | null;
  /** The validation measures of its step (empty when validation did not run there). */
  metrics: MetricValues;
  /** Whether this is the run's best checkpoint by validation recall@1 so far (kept whatever keep_checkpoints says). */
  best: boolean;
}

export interface TrainingProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  phase: string;
  /** Seconds left at the current rate, null before the first step. */
  etaSeconds: number | null;
}

/** How a trainer reports. Every callback is optional; an async one is awaited (back-pressure). */
export interface TrainerCallbacks {
  onMetrics?(step: number, values: MetricValues): void | Promise<void>;
  onCheckpoint?(info: CheckpointInfo): void | Promise<void>;
  onProgress?(progress: TrainingProgress): void;
  onLog?(level: 'info' | 'warn', message: string): void;
  /** Polled between steps: true stops the run after writing a checkpoint (cancellation, pause). */
  shouldStop?(): boolean;
}

export interface TrainingResult {
  steps: number;
  epochs: number;
  stopped: boolean;
  finalCheckpoint: string | null;
  /** The best checkpoint by validation recall@1 (kept whatever keep_checkpoints says), if any was scored. */
  bestCheckpoint: string | null;
  /** The last validation measures (val_r1, val_r5, ...). */
  validation: MetricValues | null;
  /** Loss per optimiser step, in order (for tests and summaries; quote an epoch's mean, `epoch_loss`). */
  losses: number[];
}
