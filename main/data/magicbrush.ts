// MagicBrush (Zhang et al. 2023): the Hugging Face parquet (img_id, turn_index, source_img, mask_img,
// instruction, target_img) or the test-set folder (edit_sessions.json + images/{id}/{id}-input.png,
// -output1.png, -mask1.png, ...). Multi-turn sessions stay sessions: session_id = img_id.
import fs from 'node:fs';
import path from 'node:path';
import { imageBytes, openParquet, parquetFiles, parquetRowGroups, plainText, splitFromShardName, textValue, type OpenParquet } from './parquet.js';
import { SampleFieldError } from './images.js';
import { messageOf, type DatasetSource, type SourceItem } from './source.js';

const columns = ['img_id', 'turn_index', 'source_img', 'mask_img', 'instruction', 'target_img'];

export async function magicBrushSource(target: string): Promise<DatasetSource> {
  const stat = fs.statSync(target);
  if (stat.isFile() && target.endsWith('.json')) return magicBrushFolderSource(path.dirname(target), target);
  if (stat.isDirectory() && fs.existsSync(path.join(target, 'edit_sessions.json'))) {
    return magicBrushFolderSource(target, path.join(target, 'edit_sessions.json'));
  }
  return magicBrushParquetSource(target);
}

async function magicBrushParquetSource(target: string): Promise<DatasetSource> {
  const files = parquetFiles(target);
  if (files.length === 0) throw new Error(`no .parquet files and no edit_sessions.json in ${target}`);
  const opened: (OpenParquet | { file: string; error: string })[] = [];
  for (const file of files) {
    try {
      opened.push(await openParquet(file));
    } catch (err) {
      opened.push({ file, error: messageOf(err) });
    }
  }
  return {
    total: opened.reduce((n, o) => n + ('rows' in o ? o.rows : 0), 0),
    async *items(signal): AsyncIterable<SourceItem> {
      for (const pq of opened) {
        const shard = path.basename(pq.file);
        if ('error' in pq) {
          yield { kind: 'error', ref: shard, field: null, reason: pq.error };
          continue;
        }
        const split = splitFromShardName(pq.file);
        for await (const group of parquetRowGroups(pq, columns, signal)) {
          if (group.rows === undefined) {
            yield { kind: 'error', ref: `${shard}#${group.rowStart}-${group.rowEnd - 1}`, field: null, reason: group.error ?? 'unreadable' };
            continue;
          }
          for (const [i, row] of group.rows.entries()) {
            const imgId = plainText(row.img_id);
            const turn = Number(row.turn_index);
            if (imgId === null || imgId === '' || !Number.isInteger(turn)) {
              yield { kind: 'error', ref: `${shard}#${group.rowStart + i}`, field: imgId === null ? 'img_id' : 'turn_index', reason: 'missing img_id or turn_index' };
              continue;
            }
            yield {
              kind: 'sample',
              ref: `${imgId}-${turn}`,
              load: async () => ({
                sessionId: imgId,
                turnIndex: turn,
                split,
                instruction: textValue(row.instruction),
                source: imageBytes(row.source_img),
                target: imageBytes(row.target_img),
                mask: imageBytes(row.mask_img),
                maskSource: 'dataset',
                meta: { shard, row: group.rowStart + i },
              }),
            };
          }
        }
      }
    },
  };
}

interface SessionTurn {
  input?: unknown;
  output?: unknown;
  mask?: unknown;
  instruction?: unknown;
}

async function magicBrushFolderSource(root: string, sessionsFile: string): Promise<DatasetSource> {
  let sessions: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(sessionsFile, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected an object of sessions');
    sessions = parsed as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot read ${sessionsFile}: ${messageOf(err)}`);
  }
  const fileOf = (id: string, name: string) => {
    const inImages = path.join(root, 'images', id, name);
    return fs.existsSync(inImages) ? inImages : path.join(root, id, name);
  };
  const read = async (id: string, name: unknown, field: string): Promise<Uint8Array | null> => {
    if (typeof name !== 'string' || name === '') return null;
    // Names come from the JSON file: never let one climb out of the dataset folder.
    if (name.includes('/') || name.includes('\\') || name === '..') throw new SampleFieldError(field, `bad file name ${JSON.stringify(name)}`);
    const file = fileOf(id, name);
    try {
      return await fs.promises.readFile(file);
    } catch (err) {
      throw new SampleFieldError(field, `cannot read ${path.relative(root, file)}: ${messageOf(err)}`);
    }
  };
  const total = Object.values(sessions).reduce<number>((n, turns) => n + (Array.isArray(turns) ? turns.length : 1), 0);
  return {
    total,
    async *items(): AsyncIterable<SourceItem> {
      for (const [id, turns] of Object.entries(sessions)) {
        if (!Array.isArray(turns)) {
          yield { kind: 'error', ref: id, field: null, reason: 'session is not a list of turns' };
          continue;
        }
        for (const [t, turnValue] of turns.entries()) {
          const turn = (turnValue ?? {}) as SessionTurn;
          yield {
            kind: 'sample',
            ref: `${id}-${t + 1}`,
            load: async () => ({
              sessionId: id,
              turnIndex: t + 1,
              split: 'test',
              instruction: typeof turn.instruction === 'string' ? turn.instruction : null,
              source: await read(id, turn.input, 'source'),
              target: await read(id, turn.output, 'target'),
              mask: await read(id, turn.mask, 'mask'),
              maskSource: 'dataset',
              meta: { input: turn.input, output: turn.output, mask: turn.mask },
            }),
          };
        }
      }
    },
  };
}
