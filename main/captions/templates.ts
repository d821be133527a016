// Prompt templates: shipped as files in resources/prompts (scene-v1 is the paper's Table 4), seeded
// into `caption_templates` once, then versioned there — an edit is a new version, never an overwrite,
// so every caption can say exactly which prompt produced it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptionKind, CaptionTemplate } from '../../shared/api/captions.js';
import type { Db } from '../store/index.js';

/** The only placeholder a template may use; filled with the sample's editing instruction. */
export const PLACEHOLDERS = ['edit_prompt'] as const;

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Placeholders named in a template that we cannot fill, e.g. `{edit_promt}`. */
export function unknownPlaceholders(template: string): string[] {
  const found = [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
  return [...new Set(found.filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name)))];
}

/** The prompt sent for one sample: `{edit_prompt}` replaced by its instruction (Table 4). */
export function fillTemplate(template: string, values: { edit_prompt: string }): string {
  return template.replace(/\{edit_prompt\}/g, () => values.edit_prompt.trim());
}

/** resources/prompts, found above this file both in the source tree and in dist/. */
export function promptsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'resources', 'prompts');
    if (fs.existsSync(path.join(candidate, 'scene-v1.txt'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`resources/prompts/scene-v1.txt not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function shippedTemplate(kind: CaptionKind): string {
  const file = path.join(promptsDir(), `${kind}-v1.txt`);
  return fs.readFileSync(file, 'utf8').trimEnd();
}

interface TemplateRow {
  id: number;
  kind: CaptionKind;
  version: number;
  text: string;
  sha256: string;
  created_at: string;
}

export class TemplatesRepo {
  constructor(private readonly db: Db) {}

  /** Inserts the shipped version 1 of each kind that has no version yet. */
  seed(): void {
    const has = this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM caption_templates WHERE kind = ?');
    for (const kind of ['scene', 'region'] as const) {
      if (has.get(kind)!.n === 0) this.insert(kind, shippedTemplate(kind));
    }
  }

  list(kind?: CaptionKind): CaptionTemplate[] {
    this.seed();
    const rows = this.db
      .prepare<[string | null, string | null], TemplateRow>('SELECT * FROM caption_templates WHERE (? IS NULL OR kind = ?) ORDER BY kind, version DESC')
      .all(kind ?? null, kind ?? null);
    const newest = new Map<string, number>();
    for (const r of rows) newest.set(r.kind, Math.max(newest.get(r.kind) ?? 0, r.version));
    return rows.map((r) => toTemplate(r, newest.get(r.kind) === r.version));
  }

  current(kind: CaptionKind): CaptionTemplate {
    this.seed();
    const row = this.db.prepare<[string], TemplateRow>('SELECT * FROM caption_templates WHERE kind = ? ORDER BY version DESC LIMIT 1').get(kind)!;
    return toTemplate(row, true);
  }

  byId(id: number): CaptionTemplate | undefined {
    const row = this.db.prepare<[number], TemplateRow>('SELECT * FROM caption_templates WHERE id = ?').get(id);
    return row ? toTemplate(row, this.current(row.kind).id === row.id) : undefined;
  }

  /** A new version, unless the text is the current one's. */
  update(kind: CaptionKind, text: string): CaptionTemplate {
    const current = this.current(kind);
    if (current.sha256 === sha256Hex(text)) return current;
    return toTemplate(this.insert(kind, text), true);
  }

  private insert(kind: CaptionKind, text: string): TemplateRow {
    return this.db.transaction(() => {
      const next = this.db.prepare<[string], { v: number | null }>('SELECT max(version) AS v FROM caption_templates WHERE kind = ?').get(kind)!.v ?? 0;
      const row = { kind, version: next + 1, text, sha256: sha256Hex(text), created_at: new Date().toISOString() };
      const info = this.db
        .prepare('INSERT INTO caption_templates(kind, version, text, sha256, created_at) VALUES (@kind, @version, @text, @sha256, @created_at)')
        .run(row);
      return { id: Number(info.lastInsertRowid), ...row };
    })();
  }
}

function toTemplate(r: TemplateRow, current: boolean): CaptionTemplate {
  return { id: r.id, kind: r.kind, version: r.version, text: r.text, sha256: r.sha256, createdAt: r.created_at, current };
}
