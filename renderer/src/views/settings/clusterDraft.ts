// A cluster profile as the Settings form holds it (every field text) and back: the form's text is
// parsed with the Api's own profile schema, so the form refuses exactly what cluster.saveProfile
// refuses, each problem next to its field (by path: "login.host", "timeLimit") in plain words.
import { clusterProfileSchema, type ClusterProfile } from '../../../../shared/api/cluster';
import { plainIssueMessage } from '../../../../shared/api/wording';

export interface ProfileDraft {
  name: string;
  loginKind: 'local' | 'ssh';
  host: string;
  port: string;
  partition: string;
  account: string;
  gpusPerRun: string;
  cpusPerRun: string;
  timeLimit: string;
  workDir: string;
  ricCommand: string;
  maxParallel: string;
}

export const EMPTY_DRAFT: ProfileDraft = {
  name: '',
  loginKind: 'ssh',
  host: '',
  port: '',
  partition: '',
  account: '',
  gpusPerRun: '1',
  cpusPerRun: '4',
  timeLimit: '24:00:00',
  workDir: '',
  ricCommand: 'ric',
  maxParallel: '',
};

export function draftOf(p: ClusterProfile): ProfileDraft {
  return {
    name: p.name,
    loginKind: p.login.kind,
    host: p.login.kind === 'ssh' ? p.login.host : '',
    port: p.login.kind === 'ssh' && p.login.port !== undefined ? String(p.login.port) : '',
    partition: p.partition,
    account: p.account ?? '',
    gpusPerRun: String(p.gpusPerRun),
    cpusPerRun: String(p.cpusPerRun),
    timeLimit: p.timeLimit,
    workDir: p.workDir,
    ricCommand: p.ricCommand,
    maxParallel: p.maxParallel === null ? '' : String(p.maxParallel),
  };
}

/** Text → number where it is one; anything else goes to the schema as text, which names the field. */
const num = (s: string): number | string => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : s.trim());

export type ProfileParse = { ok: true; profile: ClusterProfile } | { ok: false; problems: Map<string, string> };

export function profileOf(d: ProfileDraft): ProfileParse {
  const raw = {
    name: d.name.trim(),
    login: d.loginKind === 'local' ? { kind: 'local' } : { kind: 'ssh', host: d.host.trim(), ...(d.port.trim() ? { port: num(d.port) } : {}) },
    partition: d.partition.trim(),
    account: d.account.trim() === '' ? null : d.account.trim(),
    gpusPerRun: num(d.gpusPerRun),
    cpusPerRun: num(d.cpusPerRun),
    timeLimit: d.timeLimit.trim(),
    workDir: d.workDir.trim(),
    ricCommand: d.ricCommand.trim(),
    maxParallel: d.maxParallel.trim() === '' ? null : num(d.maxParallel),
  };
  const r = clusterProfileSchema.safeParse(raw, { error: plainIssueMessage });
  if (r.success) return { ok: true, profile: r.data };
  const problems = new Map<string, string>();
  for (const i of r.error.issues) {
    const key = i.path.join('.');
    if (!problems.has(key)) problems.set(key, i.message);
  }
  return { ok: false, problems };
}

/** One line for the profiles list: how the login node is reached and what each run asks Slurm for. */
export function profileSummary(p: ClusterProfile): string {
  const login = p.login.kind === 'local' ? 'local shell' : `ssh ${p.login.host}${p.login.port ? `:${p.login.port}` : ''}`;
  return `${login} · partition ${p.partition}${p.account ? ` · account ${p.account}` : ''} · ${p.gpusPerRun} GPU, ${p.cpusPerRun} CPU per run · ${p.timeLimit}${p.maxParallel ? ` · at most ${p.maxParallel} at once` : ''} · ${p.workDir}`;
}
