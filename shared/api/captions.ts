// Scene and region descriptions (issue 5): generation by a VLM or the ShapesEdit scene-graph
// template, the review queue, versions, prompt templates and the token budget of the readers
// (CLIP reads 77 tokens, BLIP 512 — DESIGN.md §1, Sec. 3.2.3 of the paper).
import { z } from 'zod';
import { method } from './contract.js';
import { jobSummarySchema } from './jobs.js';

export const captionKindSchema = z.enum(['scene', 'region']);
export type CaptionKind = z.infer<typeof captionKindSchema>;
export const captionSourceSchema = z.enum(['vlm', 'human', 'template']);
export type CaptionSource = z.infer<typeof captionSourceSchema>;
export const captionReviewStatusSchema = z.enum(['pending', 'approved', 'rejected']);
export type CaptionReviewStatus = z.infer<typeof captionReviewStatusSchema>;
/** Which of a sample's images the VLM is shown (for region captions: the crop of the mask box of it). */
export const describedImageSchema = z.enum(['target', 'source']);
export type DescribedImage = z.infer<typeof describedImageSchema>;
/** The text encoders whose token windows bound what a description can say. */
export const tokenReaderSchema = z.enum(['clip', 'blip']);
export type TokenReader = z.infer<typeof tokenReaderSchema>;
export const imageUrlFormSchema = z.enum(['auto', 'object', 'string']);
export type ImageUrlForm = z.infer<typeof imageUrlFormSchema>;

const sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest');

/** Filters over the *current* (highest) version of each sample's caption of one kind. */
export const captionFilterSchema = z
  .object({
    status: captionReviewStatusSchema.optional(),
    source: captionSourceSchema.optional(),
    model: z.string().max(512).optional(),
    templateVersion: z.number().int().min(1).optional(),
    /** Length in words (whitespace-separated), inclusive. */
    minWords: z.number().int().min(0).optional(),
    maxWords: z.number().int().min(0).optional(),
    /** Case-insensitive substring of the caption text. */
    search: z.string().max(500).optional(),
  })
  .strict();
export type CaptionFilter = z.infer<typeof captionFilterSchema>;

export const captionQueueItemSchema = z.object({
  captionId: z.number().int(),
  sampleId: z.number().int(),
  datasetId: z.number().int(),
  externalId: z.string(),
  kind: captionKindSchema,
  version: z.number().int(),
  text: z.string(),
  words: z.number().int(),
  source: captionSourceSchema,
  status: captionReviewStatusSchema,
  model: z.string().nullable(),
  templateVersion: z.number().int().nullable(),
  instruction: z.string(),
  createdAt: z.string(),
});
export type CaptionQueueItem = z.infer<typeof captionQueueItemSchema>;

export const captionStatusCountsSchema = z.object({ pending: z.number().int(), approved: z.number().int(), rejected: z.number().int() });

export const captionDetailSchema = z.object({
  id: z.number().int(),
  sampleId: z.number().int(),
  kind: captionKindSchema,
  version: z.number().int(),
  parentId: z.number().int().nullable(),
  text: z.string(),
  source: captionSourceSchema,
  status: captionReviewStatusSchema,
  templateId: z.number().int().nullable(),
  templateVersion: z.number().int().nullable(),
  promptSha256: z.string().nullable(),
  /** Exactly the image the VLM saw (the crop, for region captions); stored in the blob store. */
  imageSha256: z.string().nullable(),
  model: z.string().nullable(),
  endpointModel: z.string().nullable(),
  sampling: z.record(z.string(), z.unknown()).nullable(),
  durationMs: z.number().nullable(),
  author: z.string().nullable(),
  createdAt: z.string(),
});
export type CaptionDetail = z.infer<typeof captionDetailSchema>;

export const captionSampleSchema = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  datasetName: z.string(),
  externalId: z.string(),
  instruction: z.string(),
  editType: z.string().nullable(),
  /** The dataset's own texts (the training fallback a user may choose). */
  regionDescription: z.string().nullable(),
  sceneDescription: z.string().nullable(),
  image: z.object({ which: describedImageSchema, sha256: sha, width: z.number().int(), height: z.number().int() }),
  /** The tight box of the current mask (Eq. 6), in the image's pixels; null without a mask. */
  maskBox: z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() }).nullable(),
});
export type CaptionSample = z.infer<typeof captionSampleSchema>;

export const captionTemplateSchema = z.object({
  id: z.number().int(),
  kind: captionKindSchema,
  version: z.number().int(),
  text: z.string(),
  sha256: sha,
  createdAt: z.string(),
  /** The highest version of its kind: the one new jobs use. */
  current: z.boolean(),
});
export type CaptionTemplate = z.infer<typeof captionTemplateSchema>;

export const captionFailureSchema = z.object({ sampleId: z.number().int(), externalId: z.string(), reason: z.string() });
export type CaptionFailure = z.infer<typeof captionFailureSchema>;

export const captionJobReportSchema = z.object({
  jobId: z.number().int(),
  datasetId: z.number().int(),
  kind: captionKindSchema,
  captioner: z.enum(['vlm', 'template']),
  model: z.string(),
  templateVersion: z.number().int().nullable(),
  selected: z.number().int(),
  /** Skipped because a caption for this template and model exists (resume), or any caption with onlyMissing, or it was reviewed. */
  skipped: z.number().int(),
  written: z.number().int(),
  fromCache: z.number().int(),
  failed: z.array(captionFailureSchema),
  cancelled: z.boolean(),
  durationMs: z.number(),
});
export type CaptionJobReport = z.infer<typeof captionJobReportSchema>;

export const captionGenerateArgsSchema = z
  .object({
    datasetId: z.number().int(),
    kind: captionKindSchema,
    /** 'template': exact descriptions from the ShapesEdit scene graph, no VLM. */
    captioner: z.enum(['vlm', 'template']).default('vlm'),
    /** Defaults to the VLM endpoint in Settings. */
    endpoint: z
      .string()
      .max(2048)
      .refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { message: 'must be an http:// or https:// URL' })
      .optional(),
    model: z.string().min(1).max(512).optional(),
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Skip samples that already have any caption of this kind (default: only those with one from this template and model). */
    onlyMissing: z.boolean().default(false),
    /** Also caption samples whose current caption was approved or written by a person. */
    includeReviewed: z.boolean().default(false),
    timeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
    maxRetries: z.number().int().min(0).max(10).default(3),
    maxTokens: z.number().int().min(1).max(8192).optional(),
    imageUrlForm: imageUrlFormSchema.default('auto'),
    /** A subset of the dataset; default every sample. */
    sampleIds: z.array(z.number().int()).max(1_000_000).optional(),
    split: z.enum(['train', 'val', 'test']).optional(),
    editType: z.string().max(200).optional(),
    /** Which image to describe; default the captions setting (`captions.config`). */
    image: describedImageSchema.optional(),
  })
  .strict();
export type CaptionGenerateArgs = z.input<typeof captionGenerateArgsSchema>;

export const tokenBudgetSchema = z.object({
  reader: tokenReaderSchema,
  available: z.boolean(),
  /** Why no count is shown (no model folder configured, tokenizer.json missing or unreadable). */
  reason: z.string().nullable(),
  folder: z.string().nullable(),
  /** Positions the encoder reads, special tokens included (CLIP 77, BLIP 512). */
  window: z.number().int(),
  specialTokens: z.number().int(),
  /** Tokens of the text itself (no special tokens). */
  count: z.number().int(),
  /** Each text token with its [start, end) UTF-16 offsets in the text. */
  tokens: z.array(z.object({ text: z.string(), start: z.number().int(), end: z.number().int() })),
  /** Offset where the part the model will not read begins; null when it reads everything. */
  readUntil: z.number().int().nullable(),
});
export type TokenBudget = z.infer<typeof tokenBudgetSchema>;

export const captionsConfigSchema = z.object({ image: describedImageSchema });
export type CaptionsConfig = z.infer<typeof captionsConfigSchema>;

const queueArgs = z
  .object({
    datasetId: z.number().int().optional(),
    kind: captionKindSchema,
    filter: captionFilterSchema.default({}),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const captionsMethods = {
  'captions.queue': method(
    queueArgs,
    z.object({ total: z.number().int(), counts: captionStatusCountsSchema, items: z.array(captionQueueItemSchema) }),
    'Current captions to review, pending first, filtered; counts per status ignore the status filter',
  ),
  'captions.get': method(
    z.object({ sampleId: z.number().int(), kind: captionKindSchema }).strict(),
    z.object({ sample: captionSampleSchema, versions: z.array(captionDetailSchema) }),
    'A sample as the reviewer sees it, with every version of its caption, newest first',
  ),
  'captions.review': method(
    z
      .object({
        captionId: z.number().int(),
        action: z.enum(['approve', 'reject', 'edit']),
        /** The corrected text, for 'edit' (a new version, source human, approved). */
        text: z.string().max(20_000).optional(),
        author: z.string().min(1).max(200).optional(),
      })
      .strict(),
    captionDetailSchema,
    'Approve or reject a caption version, or edit it into a new approved human version',
  ),
  'captions.bulkApprove': method(
    queueArgs.pick({ datasetId: true, kind: true, filter: true }).extend({
      /** The count the user confirmed; refused when the filtered set changed since. */
      expectedCount: z.number().int().min(0),
    }),
    z.object({ approved: z.number().int() }),
    'Approve every current caption of the filtered set that is not approved yet',
  ),
  'captions.bulkCount': method(
    queueArgs.pick({ datasetId: true, kind: true, filter: true }),
    z.object({ count: z.number().int() }),
    'How many current captions of the filtered set bulk approval would change',
  ),
  'captions.templates': method(
    z.object({ kind: captionKindSchema.optional() }).strict(),
    z.array(captionTemplateSchema),
    'Prompt templates, every version, newest first',
  ),
  'captions.updateTemplate': method(
    z.object({ kind: captionKindSchema, text: z.string().min(1).max(50_000) }).strict(),
    captionTemplateSchema,
    'Save a prompt template as a new version (unchanged text returns the current one)',
  ),
  'captions.generate': method(captionGenerateArgsSchema, z.object({ jobId: z.number().int() }), 'Start a caption job'),
  'captions.resume': method(
    z.object({ jobId: z.number().int() }).strict(),
    z.object({ jobId: z.number().int() }),
    'Run a cancelled, failed or interrupted caption job again; finished samples are skipped',
  ),
  'captions.cancel': method(z.object({ jobId: z.number().int() }).strict(), z.object({ cancelled: z.boolean() }), 'Cancel a running caption job'),
  'captions.job': method(
    z.object({ jobId: z.number().int() }).strict(),
    z.object({ job: jobSummarySchema, params: z.record(z.string(), z.unknown()), report: captionJobReportSchema.nullable() }),
    'A caption job with its parameters and, once finished, its report',
  ),
  'captions.tokens': method(
    z.object({ text: z.string().max(50_000), readers: z.array(tokenReaderSchema).min(1).max(2).default(['clip', 'blip']) }).strict(),
    z.array(tokenBudgetSchema),
    'Tokenise a text with the configured models\' real tokenizers (offsets, and where each reader stops)',
  ),
  'captions.config': method(z.object({}).strict(), captionsConfigSchema, 'Caption generation settings'),
  'captions.setConfig': method(captionsConfigSchema.partial().strict(), captionsConfigSchema, 'Change caption generation settings'),
};

export const captionsEvents = {
  /** Captions of a dataset were written or reviewed (queues and counts should refresh). */
  'captions.changed': z.object({
    datasetId: z.number().int(),
    kind: captionKindSchema,
    /** 'job': a caption job wrote captions; 'review': someone reviewed or edited (the reviewer's own view need not say "new captions"). */
    reason: z.enum(['job', 'review']).optional(),
  }),
};
