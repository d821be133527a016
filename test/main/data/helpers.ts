// Small real inputs for importer tests: PNGs drawn with sharp, parquet files written with
// hyparquet-writer, folders laid out as each dataset ships.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { parquetWriteFile } from 'hyparquet-writer';
import { openStore, type Store } from '../../../main/store/index.js';

export function tempDir(prefix = 'ric-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function freshStore(): Store {
  return openStore(tempDir('ric-store-'));
}

/** A PNG of solid colour with a square patch, so source and target differ. */
export async function pngImage(width: number, height: number, rgb: [number, number, number], patch?: [number, number, number]): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inPatch = patch && x >= width / 4 && x < width / 2 && y >= height / 4 && y < height / 2;
      const c = inPatch ? patch : rgb;
      data.set(c, (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A grey mask PNG: the patch (x,y in [w/4, w/2)) has value `inside`, the rest `outside`. */
export async function maskImage(width: number, height: number, inside: number, outside: number, channels: 1 | 3 | 4 = 1): Promise<Buffer> {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x >= width / 4 && x < width / 2 && y >= height / 4 && y < height / 2 ? inside : outside;
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = channels === 4 && c === 3 ? 255 : v;
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

/** Number of pixels in the test patch of a w×h image. */
export const patchArea = (w: number, h: number) => (Math.ceil(w / 2) - Math.ceil(w / 4)) * (Math.ceil(h / 2) - Math.ceil(h / 4));

type ImageStruct = { bytes: Uint8Array; path: string | null } | null;

const imageStructSchema = (name: string) => [
  { name, repetition_type: 'OPTIONAL' as const, num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'path', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const },
];
const stringSchema = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const });

export interface HumanEditRow {
  IMAGE_ID: string;
  EDITING_TYPE: string;
  CORE: string;
  MASK: string;
  EDITING_INSTRUCTION: string | Uint8Array;
  OUTPUT_DESCRIPTION: string;
  INPUT_CAPTION_BY_LLAMA: string;
  OUTPUT_CAPTION_BY_LLAMA: string;
  INPUT_IMG: ImageStruct;
  MASK_IMG: ImageStruct;
  OUTPUT_IMG: ImageStruct;
}

/** HumanEdit's HF layout: image columns are structs {bytes, path} like the `datasets` Image feature. */
export function writeHumanEditParquet(file: string, rows: HumanEditRow[], rowGroupSize = 2): void {
  const strings = ['IMAGE_ID', 'EDITING_TYPE', 'CORE', 'MASK', 'EDITING_INSTRUCTION', 'OUTPUT_DESCRIPTION', 'INPUT_CAPTION_BY_LLAMA', 'OUTPUT_CAPTION_BY_LLAMA'] as const;
  const images = ['INPUT_IMG', 'MASK_IMG', 'OUTPUT_IMG'] as const;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  parquetWriteFile({
    filename: file,
    columnData: [
      ...strings.map((name) => ({ name, data: rows.map((r) => r[name]) })),
      ...images.map((name) => ({ name, data: rows.map((r) => r[name]) })),
    ],
    schema: [{ name: 'root', num_children: strings.length + images.length }, ...strings.map(stringSchema), ...images.flatMap(imageStructSchema)],
    rowGroupSize,
  });
}

export interface MagicBrushRow {
  img_id: string;
  turn_index: number;
  source_img: ImageStruct;
  mask_img: ImageStruct;
  instruction: string;
  target_img: ImageStruct;
}

export function writeMagicBrushParquet(file: string, rows: MagicBrushRow[], rowGroupSize = 2): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'img_id', data: rows.map((r) => r.img_id) },
      { name: 'turn_index', data: rows.map((r) => r.turn_index) },
      { name: 'source_img', data: rows.map((r) => r.source_img) },
      { name: 'mask_img', data: rows.map((r) => r.mask_img) },
      { name: 'instruction', data: rows.map((r) => r.instruction) },
      { name: 'target_img', data: rows.map((r) => r.target_img) },
    ],
    schema: [
      { name: 'root', num_children: 6 },
      stringSchema('img_id'),
      { name: 'turn_index', type: 'INT32', repetition_type: 'OPTIONAL' },
      ...imageStructSchema('source_img'),
      ...imageStructSchema('mask_img'),
      stringSchema('instruction'),
      ...imageStructSchema('target_img'),
    ],
    rowGroupSize,
  });
}

export const img = (bytes: Uint8Array, p: string | null = null): ImageStruct => ({ bytes, path: p });
