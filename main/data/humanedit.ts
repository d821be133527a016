// HumanEdit (Bai et al. 2024) as downloaded from the Hugging Face Hub: a folder of
// `data/train-*.parquet` shards, or one shard. Its raw masks mark the edit region black.
import path from 'node:path';
import { imageBytes, openParquet, splitFromShardName, parquetFiles, parquetRowGroups, plainText, textValue, type OpenParquet } from './parquet.js';
import { messageOf, type DatasetSource, type SourceItem } from './source.js';

export const humanEditColumns = [
  'IMAGE_ID',
  'EDITING_TYPE',
  'CORE',
  'MASK',
  'EDITING_INSTRUCTION',
  'OUTPUT_DESCRIPTION',
  'INPUT_CAPTION_BY_LLAMA',
  'OUTPUT_CAPTION_BY_LLAMA',
  'INPUT_IMG',
  'MASK_IMG',
  'OUTPUT_IMG',
] as const;

/** Opens every shard's footer up front (cheap) for the total; unreadable shards become errors. */
export async function humanEditSource(target: string): Promise<DatasetSource> {
  const files = parquetFiles(target);
  if (files.length === 0) throw new Error(`no .parquet files in ${target}`);
  const opened: (OpenParquet | { file: string; error: string })[] = [];
  for (const file of files) {
    try {
      opened.push(await openParquet(file));
    } catch (err) {
      opened.push({ file, error: messageOf(err) });
    }
  }
  const total = opened.reduce((n, o) => n + ('rows' in o ? o.rows : 0), 0);
  return {
    total,
    async *items(signal): AsyncIterable<SourceItem> {
      for (const pq of opened) {
        const shard = path.basename(pq.file);
        const split = splitFromShardName(pq.file);
        if ('error' in pq) {
          yield { kind: 'error', ref: shard, field: null, reason: pq.error };
          continue;
        }
        for await (const group of parquetRowGroups(pq, humanEditColumns, signal)) {
          if (group.rows === undefined) {
            yield { kind: 'error', ref: `${shard}#${group.rowStart}-${group.rowEnd - 1}`, field: null, reason: group.error ?? 'unreadable' };
            continue;
          }
          for (const [i, row] of group.rows.entries()) {
            const rowRef = `${shard}#${group.rowStart + i}`;
            const id = plainText(row.IMAGE_ID);
            if (id === null || id === '') {
              yield { kind: 'error', ref: rowRef, field: 'IMAGE_ID', reason: 'missing IMAGE_ID' };
              continue;
            }
            yield {
              kind: 'sample',
              ref: id,
              load: async () => ({
                split,
                editType: plainText(row.EDITING_TYPE),
                instruction: textValue(row.EDITING_INSTRUCTION),
                sceneDescription: plainText(row.OUTPUT_DESCRIPTION),
                inputCaption: plainText(row.INPUT_CAPTION_BY_LLAMA),
                outputCaption: plainText(row.OUTPUT_CAPTION_BY_LLAMA),
                source: imageBytes(row.INPUT_IMG),
                target: imageBytes(row.OUTPUT_IMG),
                mask: imageBytes(row.MASK_IMG),
                maskSource: 'dataset',
                meta: { shard, row: group.rowStart + i, core: plainText(row.CORE), maskKind: plainText(row.MASK) },
              }),
            };
          }
        }
      }
    },
  };
}
