// Cluster profiles (issue 19) in Settings: one JSON array under one key, each entry checked with the
// profile schema when read — a profile saved by an older version that no longer parses is left out
// (and named in `skipped`) rather than taking the list down.
import { clusterProfileSchema, type ClusterProfile } from '../../shared/api/index.js';
import type { SettingsRepo } from '../store/index.js';

const KEY = 'cluster.profiles';

export function readClusterProfiles(repo: SettingsRepo): { profiles: ClusterProfile[]; skipped: string[] } {
  const raw = repo.get(KEY);
  const profiles: ClusterProfile[] = [];
  const skipped: string[] = [];
  for (const item of Array.isArray(raw) ? (raw as unknown[]) : []) {
    const p = clusterProfileSchema.safeParse(item);
    if (p.success) profiles.push(p.data);
    else skipped.push(typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string' ? (item as { name: string }).name : '(unnamed)');
  }
  return { profiles, skipped };
}

export function clusterProfile(repo: SettingsRepo, name: string): ClusterProfile | undefined {
  return readClusterProfiles(repo).profiles.find((p) => p.name === name);
}

/** Adds the profile, or replaces the one of the same name. */
export function saveClusterProfile(repo: SettingsRepo, profile: ClusterProfile): ClusterProfile[] {
  const rest = readClusterProfiles(repo).profiles.filter((p) => p.name !== profile.name);
  const next = [...rest, profile].sort((a, b) => a.name.localeCompare(b.name));
  repo.putMany({ [KEY]: next });
  return next;
}

export function deleteClusterProfile(repo: SettingsRepo, name: string): ClusterProfile[] {
  const next = readClusterProfiles(repo).profiles.filter((p) => p.name !== name);
  repo.putMany({ [KEY]: next });
  return next;
}
