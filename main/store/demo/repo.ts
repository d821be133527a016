// Demo chains (issue 18, migration 10): the chain's settings, stages, state, owner and final table.
// The stages' work lives in ordinary job, run, result-set and evaluation rows; this is the index.
import type { DemoChainState, DemoStage, DemoStatus } from '../../../shared/api/index.js';
import type { Db } from '../database.js';
import { parseJson, parseObject } from '../json.js';

export interface DemoChainRecord {
  id: number;
  state: DemoChainState;
  settings: Record<string, unknown>;
  stages: DemoStage[];
  result: DemoStatus['result'];
  error: string | null;
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DemoChainPatch {
  state?: DemoChainState;
  stages?: readonly DemoStage[];
  result?: DemoStatus['result'];
  error?: string | null;
  owner?: string | null;
}

interface DemoChainRow {
  id: number;
  state: DemoChainState;
  settings: string;
  stages: string;
  result: string | null;
  error: string | null;
  owner: string | null;
  created_at: string;
  updated_at: string;
}

const toRecord = (r: DemoChainRow): DemoChainRecord => {
  const stages = parseJson(r.stages, []);
  return {
    id: r.id,
    state: r.state,
    settings: parseObject(r.settings),
    stages: Array.isArray(stages) ? (stages as DemoStage[]) : [],
    result: (parseJson(r.result, null) as DemoStatus['result']) ?? null,
    error: r.error,
    owner: r.owner,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

export class DemoRepo {
  constructor(private readonly db: Db) {}

  create(settings: Record<string, unknown>, stages: readonly DemoStage[], owner: string): number {
    const now = new Date().toISOString();
    return Number(
      this.db
        .prepare("INSERT INTO demo_chains(state, settings, stages, owner, created_at, updated_at) VALUES ('running', ?, ?, ?, ?, ?)")
        .run(JSON.stringify(settings), JSON.stringify(stages), owner, now, now).lastInsertRowid,
    );
  }

  get(id: number): DemoChainRecord | undefined {
    const row = this.db.prepare<[number], DemoChainRow>('SELECT * FROM demo_chains WHERE id = ?').get(id);
    return row ? toRecord(row) : undefined;
  }

  latest(): DemoChainRecord | undefined {
    const row = this.db.prepare<[], DemoChainRow>('SELECT * FROM demo_chains ORDER BY id DESC LIMIT 1').get();
    return row ? toRecord(row) : undefined;
  }

  update(id: number, p: DemoChainPatch): void {
    const sets: string[] = ['updated_at = ?'];
    const values: unknown[] = [new Date().toISOString()];
    if (p.state !== undefined) (sets.push('state = ?'), values.push(p.state));
    if (p.stages !== undefined) (sets.push('stages = ?'), values.push(JSON.stringify(p.stages)));
    if (p.result !== undefined) (sets.push('result = ?'), values.push(p.result === null ? null : JSON.stringify(p.result)));
    if (p.error !== undefined) (sets.push('error = ?'), values.push(p.error));
    if (p.owner !== undefined) (sets.push('owner = ?'), values.push(p.owner));
    this.db.prepare(`UPDATE demo_chains SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }
}
