// The mask editor's Api (issue 7): versioned masks per sample, bulk import from mask files and
// export. Masks cross the Api run-length encoded (shared/mask/rle.ts, base64): exact at any size
// and a few kilobytes for a typical region, where a PNG would need a decoder on both sides.
import { z } from 'zod';
import { method } from './contract.js';
import { boxSchema, imageRefSchema, maskPolaritySchema, maskSummarySchema, splitSchema } from './datasets.js';

export const maskVersionSchema = maskSummarySchema.extend({
  parentId: z.number().int().nullable(),
  parentVersion: z.number().int().nullable(),
  note: z.string().nullable(),
  current: z.boolean(),
});
export type MaskVersion = z.infer<typeof maskVersionSchema>;

/** What the editor needs of a sample: both images, its size and its current mask. */
export const maskEditorSampleSchema = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  datasetName: z.string(),
  externalId: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  instruction: z.string(),
  editType: z.string().nullable(),
  flagged: z.boolean(),
  source: imageRefSchema,
  target: imageRefSchema.nullable(),
  mask: maskVersionSchema.nullable(),
});
export type MaskEditorSample = z.infer<typeof maskEditorSampleSchema>;

/** Base64 of the run-length bytes of width × height mask values (255 = edit). */
export const maskRleSchema = z.string().max(48 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const maskNavFilterSchema = z
  .object({
    flagged: z.boolean().optional(),
    hasMask: z.boolean().optional(),
    editType: z.string().max(200).optional(),
    split: splitSchema.optional(),
  })
  .strict();
export type MaskNavFilter = z.infer<typeof maskNavFilterSchema>;

export const alphaHandlingSchema = z.enum(['composite', 'ignore', 'alpha']);

export const maskImportOptionsSchema = z
  .object({
    /** Which end marks the edit in the files (stored masks are always white = edit). */
    polarity: maskPolaritySchema.default('white'),
    /** composite: colour over black; ignore: colour only; alpha: the alpha channel is the mask. */
    alpha: alphaHandlingSchema.default('composite'),
    /** After polarity, values ≥ threshold are the edit region (anti-aliased edges). */
    threshold: z.number().int().min(1).max(255).default(128),
    /** A mask whose size differs from its sample's image: reject it, or resize (nearest neighbour). */
    sizeMismatch: z.enum(['error', 'resize']).default('error'),
  })
  .strict();
export type MaskImportOptions = z.infer<typeof maskImportOptionsSchema>;

const author = z.string().min(1).max(200).optional();
const note = z.string().max(2000).optional();
const sampleId = z.number().int();

export const maskImportErrorSchema = z.object({ file: z.string(), externalId: z.string().nullable(), reason: z.string() });

export const masksMethods = {
  'masks.sample': method(z.object({ sampleId }).strict(), maskEditorSampleSchema, 'A sample as the mask editor needs it: images, size, current mask'),
  'masks.navigate': method(
    z
      .object({
        datasetId: z.number().int(),
        /** The sample to step from; null starts at the first (next) or last (previous). */
        fromSampleId: z.number().int().nullable(),
        direction: z.enum(['next', 'previous']),
        filter: maskNavFilterSchema.default({}),
      })
      .strict(),
    z.object({ sampleId: z.number().int().nullable(), position: z.number().int().nullable(), total: z.number().int() }),
    'The next or previous sample of a dataset that passes a filter (e.g. flagged for review)',
  ),
  'masks.get': method(
    z.object({ sampleId, version: z.number().int().optional() }).strict(),
    z.object({ mask: maskVersionSchema, rle: z.string() }),
    'A mask version (the current one by default) with its pixels',
  ),
  'masks.versions': method(z.object({ sampleId }).strict(), z.array(maskVersionSchema), "A sample's mask versions, newest first"),
  'masks.save': method(
    z
      .object({
        sampleId,
        width: z.number().int().min(1).max(16384),
        height: z.number().int().min(1).max(16384),
        rle: maskRleSchema,
        /** The version the edit started from (null: none). A different current version is a conflict. */
        baseVersion: z.number().int().nullable(),
        author,
        note,
      })
      .strict(),
    maskVersionSchema,
    'Save edited pixels as a new mask version',
  ),
  'masks.restore': method(
    z.object({ sampleId, version: z.number().int(), author, note }).strict(),
    maskVersionSchema,
    'Make an older version current again (as a new version that copies it)',
  ),
  'masks.diff': method(
    z.object({ sampleId, from: z.number().int(), to: z.number().int() }).strict(),
    z.object({ from: z.number().int(), to: z.number().int(), added: z.number().int(), removed: z.number().int(), kept: z.number().int(), box: boxSchema.nullable() }),
    'Pixels added and removed between two versions, and the box of the changes',
  ),
  'masks.previewImport': method(
    z
      .object({
        datasetId: z.number().int(),
        path: z.string().min(1).max(4096),
        options: maskImportOptionsSchema.default({ polarity: 'white', alpha: 'composite', threshold: 128, sizeMismatch: 'error' }),
        count: z.number().int().min(1).max(12).default(4),
      })
      .strict(),
    z.object({
      files: z.number().int(),
      matched: z.number().int(),
      unmatched: z.array(z.string()),
      previews: z.array(
        z.object({
          file: z.string(),
          sampleId: z.number().int(),
          externalId: z.string(),
          channels: z.number().int(),
          /** The file as read (PNG data URI, downscaled) and the mask as it will be stored. */
          filePng: z.string(),
          maskPng: z.string(),
          sourceThumbSha256: z.string().nullable(),
          editFraction: z.number(),
          error: z.string().nullable(),
        }),
      ),
    }),
    'Match mask files to samples and show the first few as they will be stored',
  ),
  'masks.importFiles': method(
    z
      .object({
        datasetId: z.number().int(),
        path: z.string().min(1).max(4096),
        options: maskImportOptionsSchema.default({ polarity: 'white', alpha: 'composite', threshold: 128, sizeMismatch: 'error' }),
        author,
        note,
      })
      .strict(),
    z.object({
      files: z.number().int(),
      imported: z.number().int(),
      unchanged: z.number().int(),
      unmatched: z.array(z.string()),
      errors: z.array(maskImportErrorSchema),
    }),
    "Import a folder of mask files (PNG/WebP/JPEG) as new versions, matched to samples by file name = the sample's external id",
  ),
  'masks.export': method(
    z
      .object({
        datasetId: z.number().int(),
        path: z.string().min(1).max(4096),
        polarity: maskPolaritySchema.default('white'),
      })
      .strict(),
    z.object({ dir: z.string(), written: z.number().int(), withoutMask: z.number().int() }),
    "Write each sample's current mask as <external id>.png (white = edit unless polarity is black)",
  ),
};

export const masksEvents = {
  'mask.saved': z.object({ sampleId: z.number().int(), datasetId: z.number().int(), version: z.number().int() }),
  /** Progress of a running masks.importFiles / masks.export call (count, rate, ETA). */
  'masks.progress': z.object({
    operation: z.enum(['import', 'export']),
    datasetId: z.number().int(),
    done: z.number().int(),
    total: z.number().int(),
    rate: z.number().nullable(),
    etaSeconds: z.number().nullable(),
  }),
};
