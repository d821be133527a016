// Prompt templates (caption_templates, migration 2): versioned per kind — an edit is a new
// version, never an overwrite, so every caption can say exactly which prompt produced it. Which
// text version 1 has (the shipped files) is main/captions' business (templates.ts seeds it).
import { createHash } from 'node:crypto';
import type { CaptionKind, CaptionTemplate } from '../../../shared/api/captions.js';
import type { Db } from '../database.js';

interface TemplateRow {
  id: number;
  kind: CaptionKind;
  version: number;
  text: string;
  sha256: string;
  created_at: string;
  current: number;
}

function toTemplate(r: TemplateRow): CaptionTemplate {
  return { id: r.id, kind: r.kind, version: r.version, text: r.text, sha256: r.sha256, createdAt: r.created_at, current: r.current === 1 };
}

const COLUMNS = 't.id, t.kind, t.version, t.text, t.sha256, t.created_at, (t.version = (SELECT max(version) FROM caption_templates c WHERE c.kind = t.kind)) AS current';

export class CaptionTemplatesRepo {
  constructor(private readonly db: Db) {}

  count(kind: CaptionKind): number {
    return this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM caption_templates WHERE kind = ?').get(kind)!.n;
  }

  /** Every version, newest first per kind. */
  list(kind?: CaptionKind): CaptionTemplate[] {
    return this.db
      .prepare<[string | null, string | null], TemplateRow>(`SELECT ${COLUMNS} FROM caption_templates t WHERE (? IS NULL OR t.kind = ?) ORDER BY t.kind, t.version DESC`)
      .all(kind ?? null, kind ?? null)
      .map(toTemplate);
  }

  /** The highest version of a kind, or undefined before any was stored. */
  current(kind: CaptionKind): CaptionTemplate | undefined {
    const row = this.db.prepare<[string], TemplateRow>(`SELECT ${COLUMNS} FROM caption_templates t WHERE t.kind = ? ORDER BY t.version DESC LIMIT 1`).get(kind);
    return row ? toTemplate(row) : undefined;
  }

  byId(id: number): CaptionTemplate | undefined {
    const row = this.db.prepare<[number], TemplateRow>(`SELECT ${COLUMNS} FROM caption_templates t WHERE t.id = ?`).get(id);
    return row ? toTemplate(row) : undefined;
  }

  /** Adds the next version of a kind's template (it becomes the current one). */
  insert(kind: CaptionKind, text: string): CaptionTemplate {
    return this.db.transaction(() => {
      const next = (this.db.prepare<[string], { v: number | null }>('SELECT max(version) AS v FROM caption_templates WHERE kind = ?').get(kind)!.v ?? 0) + 1;
      const info = this.db
        .prepare('INSERT INTO caption_templates(kind, version, text, sha256, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(kind, next, text, createHash('sha256').update(text).digest('hex'), new Date().toISOString());
      return this.byId(Number(info.lastInsertRowid))!;
    })();
  }
}
