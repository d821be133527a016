// Prompt templates: shipped as files in resources/prompts (scene-v1 is the paper's Table 4), seeded
// into the store once (main/store/captions/templates-repo.ts), then versioned there — an edit is a
// new version, never an overwrite, so every caption can say exactly which prompt produced it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptionKind, CaptionTemplate } from '../../shared/api/captions.js';
import type { CaptionTemplatesRepo } from '../store/index.js';

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

/** The templates of caption jobs: the stored versions, seeded with the shipped version 1 of each kind. */
export class PromptTemplates {
  constructor(private readonly repo: CaptionTemplatesRepo) {}

  /** Inserts the shipped version 1 of each kind that has no version yet. */
  seed(): void {
    for (const kind of ['scene', 'region'] as const) {
      if (this.repo.count(kind) === 0) this.repo.insert(kind, shippedTemplate(kind));
    }
  }

  list(kind?: CaptionKind): CaptionTemplate[] {
    this.seed();
    return this.repo.list(kind);
  }

  current(kind: CaptionKind): CaptionTemplate {
    this.seed();
    return this.repo.current(kind)!;
  }

  byId(id: number): CaptionTemplate | undefined {
    this.seed();
    return this.repo.byId(id);
  }

  /** A new version, unless the text is the current one's. */
  update(kind: CaptionKind, text: string): CaptionTemplate {
    const current = this.current(kind);
    if (current.sha256 === sha256Hex(text)) return current;
    return this.repo.insert(kind, text);
  }
}
