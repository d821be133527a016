// A researcher's own folder: source/, target/ and mask/ with matching file names (the stem decides,
// so source/a.jpg pairs with target/a.png), plus a JSONL or CSV of instructions and optional
// descriptions, one record per sample: {id|file|name, instruction, region_description,
// scene_description, input_caption, output_caption, edit_type, split}.
import fs from 'node:fs';
import path from 'node:path';
import type { Split } from '../../shared/api/index.js';
import { SampleFieldError } from './images.js';
import { messageOf, type DatasetSource, type SourceItem } from './source.js';

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|tiff?|bmp|avif)$/i;
const SPLITS = new Set(['train', 'val', 'test']);

type Record_ = Record<string, string | undefined>;

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

function findInstructionsFile(root: string): string | undefined {
  const names = fs.readdirSync(root).filter((n) => /\.(jsonl|csv)$/i.test(n)).sort();
  const preferred = names.find((n) => /^instructions\.(jsonl|csv)$/i.test(n));
  const chosen = preferred ?? names[0];
  return chosen === undefined ? undefined : path.join(root, chosen);
}

function indexImages(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir).sort()) {
    if (IMAGE_EXT.test(name)) out.set(name.replace(IMAGE_EXT, ''), path.join(dir, name));
  }
  return out;
}

type Parsed = { line: number; record?: Record_; error?: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const NOT_UTF8 = 'the record is not valid UTF-8';

/** Records with their line numbers; a line (JSONL) or row (CSV) that is not UTF-8 is an error, not mangled text. */
function readRecords(file: string): Parsed[] {
  const bytes = fs.readFileSync(file);
  if (file.toLowerCase().endsWith('.csv')) {
    let text: string;
    let lossy = false;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      text = new TextDecoder().decode(bytes);
      lossy = true;
    }
    const rows = parseCsv(text.replace(/^\uFEFF/, ''));
    const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
    return rows.slice(1).map((cells, i) =>
      lossy && cells.some((c) => c.includes('\uFFFD'))
        ? { line: i + 2, error: NOT_UTF8 }
        : { line: i + 2, record: Object.fromEntries(header.map((h, j) => [h, cells[j]])) },
    );
  }
  const out: Parsed[] = [];
  let start = 0;
  for (let lineNo = 1; start <= bytes.length; lineNo++) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    let line: string;
    try {
      line = strictUtf8.decode(raw).replace(/\r$/, '');
    } catch {
      out.push({ line: lineNo, error: NOT_UTF8 });
      continue;
    }
    if (line.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        out.push({ line: lineNo, error: 'not a JSON object' });
        continue;
      }
      const rec: Record_ = {};
      for (const [k, val] of Object.entries(v)) rec[k.toLowerCase()] = val === null || val === undefined ? undefined : String(val);
      out.push({ line: lineNo, record: rec });
    } catch (err) {
      out.push({ line: lineNo, error: `not valid JSON: ${messageOf(err)}` });
    }
  }
  return out;
}

export async function folderSource(root: string): Promise<DatasetSource> {
  if (!fs.statSync(root).isDirectory()) throw new Error(`${root} is not a folder (expected source/, target/, mask/ and a .jsonl or .csv)`);
  const sourceDir = path.join(root, 'source');
  if (!fs.existsSync(sourceDir)) throw new Error(`${root} has no source/ folder (a folder dataset holds source/, target/ and mask/ images with matching file names, and a .jsonl or .csv of instructions)`);
  const instructionsFile = findInstructionsFile(root);
  if (instructionsFile === undefined) throw new Error(`${root} has no .jsonl or .csv file of instructions`);
  const sources = indexImages(sourceDir);
  const targets = indexImages(path.join(root, 'target'));
  const masks = indexImages(path.join(root, 'mask'));
  const records = readRecords(instructionsFile);
  const listName = path.basename(instructionsFile);
  const rel = (p: string) => path.relative(root, p);
  const load = async (file: string | undefined, field: string, stem: string, required: boolean) => {
    if (file === undefined) {
      if (!required) return null;
      throw new SampleFieldError(field, `missing pair: no ${field}/${stem}.* for this sample`);
    }
    try {
      return await fs.promises.readFile(file);
    } catch (err) {
      throw new SampleFieldError(field, `cannot read ${rel(file)}: ${messageOf(err)}`);
    }
  };
  return {
    total: records.length,
    async *items(): AsyncIterable<SourceItem> {
      const seen = new Set<string>();
      for (const r of records) {
        const rec = r.record;
        if (rec === undefined) {
          yield { kind: 'error', ref: `${listName}:${r.line}`, field: null, reason: r.error ?? 'unreadable record' };
          continue;
        }
        const key = rec.id ?? rec.file ?? rec.name ?? rec.source;
        if (key === undefined || key.trim() === '') {
          yield { kind: 'error', ref: `${listName}:${r.line}`, field: 'id', reason: 'the record names no sample (id, file or name)' };
          continue;
        }
        const stem = path.basename(key.trim()).replace(IMAGE_EXT, '');
        seen.add(stem);
        const split = rec.split?.trim().toLowerCase();
        yield {
          kind: 'sample',
          ref: stem,
          load: async () => ({
            instruction: rec.instruction ?? null,
            regionDescription: rec.region_description || null,
            sceneDescription: rec.scene_description || null,
            inputCaption: rec.input_caption || null,
            outputCaption: rec.output_caption || null,
            editType: rec.edit_type || null,
            ...(split !== undefined && SPLITS.has(split) ? { split: split as Split } : {}),
            source: await load(sources.get(stem), 'source', stem, true),
            target: await load(targets.get(stem), 'target', stem, true),
            mask: await load(masks.get(stem), 'mask', stem, false),
            maskSource: 'dataset',
            meta: { line: r.line },
          }),
        };
      }
      for (const [stem, file] of sources) {
        if (!seen.has(stem)) yield { kind: 'error', ref: stem, field: 'instruction', reason: `${rel(file)} has no record in ${listName}` };
      }
    },
  };
}
