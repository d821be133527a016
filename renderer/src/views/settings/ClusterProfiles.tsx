// Cluster profiles in Settings (issue 19): how to reach a Slurm login node (a local shell, or ssh with
// the user's own ~/.ssh/config), what each run asks Slurm for, the work folder on the cluster's
// shared filesystem and how `ric` starts there. Listed, added, edited (a new name renames) and
// removed; the form is checked with the Api's own schema before it is sent, each problem next to its
// field. Submissions keep their own copy of the profile, so editing or removing one changes nothing
// already submitted.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ClusterProfile } from '../../../../shared/api/cluster';
import { describeError, fieldProblems } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { ConfirmDialog } from '../../components/Dialog';
import { draftOf, EMPTY_DRAFT, profileOf, profileSummary, type ProfileDraft } from './clusterDraft';

type TextField = Exclude<keyof ProfileDraft, 'loginKind'>;

const FIELDS: { key: TextField; path: string; label: string; placeholder: string; hint?: string; ssh?: boolean }[] = [
  { key: 'name', path: 'name', label: 'Name', placeholder: 'hpc' },
  { key: 'host', path: 'login.host', label: 'Login node (ssh)', placeholder: 'me@login.cluster.edu or a Host of ~/.ssh/config', hint: 'Keys and jump hosts come from your own ~/.ssh/config; there is never a password prompt.', ssh: true },
  { key: 'port', path: 'login.port', label: 'ssh port', placeholder: '22', ssh: true },
  { key: 'partition', path: 'partition', label: 'Partition', placeholder: 'gpu' },
  { key: 'account', path: 'account', label: 'Account', placeholder: 'none' },
  { key: 'gpusPerRun', path: 'gpusPerRun', label: 'GPUs per run', placeholder: '1' },
  { key: 'cpusPerRun', path: 'cpusPerRun', label: 'CPUs per run', placeholder: '4' },
  { key: 'timeLimit', path: 'timeLimit', label: 'Time limit', placeholder: '24:00:00', hint: "Slurm's --time: minutes, HH:MM:SS or D-HH:MM:SS." },
  { key: 'workDir', path: 'workDir', label: 'Work folder on the cluster', placeholder: '/scratch/me/ric', hint: 'On the shared filesystem; each submission gets its own folder under it.' },
  { key: 'ricCommand', path: 'ricCommand', label: 'How ric starts there', placeholder: 'module load ric && ric' },
  { key: 'maxParallel', path: 'maxParallel', label: 'At most this many at once', placeholder: 'as many as Slurm gives', hint: "Slurm's --array=…%N: how many of the matrix's runs hold GPUs at the same time." },
];

export function ClusterProfiles() {
  const api = useApi();
  const profiles = useQuery('cluster.profiles', {});
  // The profile being edited (its name before the edit; '' for a new one), and the form's text.
  const [editing, setEditing] = useState<{ original: string; draft: ProfileDraft } | null>(null);
  const [problems, setProblems] = useState<Map<string, string>>(() => new Map());
  const [message, setMessage] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const list = profiles.data ?? [];

  const open = (p: ClusterProfile | null) => {
    setEditing({ original: p?.name ?? '', draft: p ? draftOf(p) : EMPTY_DRAFT });
    setProblems(new Map());
    setMessage(null);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    const parsed = profileOf(editing.draft);
    if (!parsed.ok) return setProblems(parsed.problems);
    const p = parsed.profile;
    if (p.name !== editing.original && list.some((x) => x.name === p.name)) return setProblems(new Map([['name', `a profile named ${p.name} exists: edit that one, or choose another name`]]));
    try {
      await api.call('cluster.saveProfile', p);
      // A new name renames: the profile under the old name goes.
      if (editing.original && editing.original !== p.name) await api.call('cluster.deleteProfile', { name: editing.original });
      setEditing(null);
      setMessage(`Profile ${p.name} saved.`);
      profiles.reload();
    } catch (err) {
      const byField = fieldProblems(err);
      setProblems(byField.size ? byField : new Map([['', describeError(err)]]));
    }
  };

  const problem = (path: string): ReactNode =>
    problems.has(path) ? (
      <span className="field-error" role="alert" data-testid={`cluster-problem-${path}`}>
        {problems.get(path)}
      </span>
    ) : null;
  const set = (key: keyof ProfileDraft, value: string) => editing && setEditing({ ...editing, draft: { ...editing.draft, [key]: value } });

  return (
    <fieldset className="cluster-profiles" data-testid="cluster-profiles">
      <legend>Clusters (Slurm)</legend>
      <p className="hint">
        Where run matrices go when one workstation is not enough: Training → a run → Run matrix on a cluster. Also <code>ric cluster profile add</code>.
      </p>
      {profiles.error ? <p className="error">{describeError(profiles.error)}</p> : null}
      {list.length === 0 && profiles.data ? <p className="muted">No cluster profile yet.</p> : null}
      <ul className="cluster-profile-list">
        {list.map((p) => (
          <li key={p.name} data-profile={p.name}>
            <strong>{p.name}</strong> <span className="muted small">{profileSummary(p)}</span>{' '}
            <button type="button" className="link-button" onClick={() => open(p)} aria-label={`Edit profile ${p.name}`}>
              Edit
            </button>{' '}
            <button type="button" className="link-button danger-link" onClick={() => setRemoving(p.name)} aria-label={`Remove profile ${p.name}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {message ? (
        <p className="ok small" role="status">
          {message}
        </p>
      ) : null}
      {editing ? (
        <form onSubmit={(e) => void save(e)} aria-label={editing.original ? `Edit cluster profile ${editing.original}` : 'New cluster profile'} noValidate>
          <div className="field">
            <label htmlFor="cluster-login">Login node reached by</label>
            <select id="cluster-login" value={editing.draft.loginKind} onChange={(e) => set('loginKind', e.target.value)}>
              <option value="ssh">ssh</option>
              <option value="local">a local shell (this machine is the login node)</option>
            </select>
          </div>
          {FIELDS.filter((f) => !f.ssh || editing.draft.loginKind === 'ssh').map((f) => (
            <div className="field" key={f.key}>
              <label htmlFor={`cluster-${f.key}`}>{f.label}</label>
              <input id={`cluster-${f.key}`} value={editing.draft[f.key]} placeholder={f.placeholder} spellCheck={false} onChange={(e) => set(f.key, e.target.value)} />
              {problem(f.path)}
              {f.hint ? <p className="hint">{f.hint}</p> : null}
            </div>
          ))}
          {problem('')}
          <div className="form-actions cluster-form-actions">
            <button type="submit" className="primary">
              Save profile
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="secondary" onClick={() => open(null)}>
          Add cluster profile
        </button>
      )}
      <ConfirmDialog
        open={removing !== null}
        title="Remove cluster profile"
        confirmLabel="Remove"
        danger
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api.call('cluster.deleteProfile', { name: removing! });
          setMessage(`Profile ${removing} removed.`);
          profiles.reload();
        }}
      >
        <p>Remove the cluster profile {removing}? Matrices already submitted with it keep their own copy and can still be followed, cancelled and collected.</p>
      </ConfirmDialog>
    </fieldset>
  );
}
