import { useEffect, useState, type FormEvent } from 'react';
import type { ModelFolders, Settings, SettingsPatch, VlmTestResult } from '../../../shared/api/settings';
import { describeError, fieldProblems } from '../../../shared/api/wording';
import { tensorBackendNames } from '../../../shared/api/system';
import { useApi, useQuery } from '../api/ApiProvider';
import { ViewHeader } from '../components/ViewHeader';
import { ClusterProfiles } from './settings/ClusterProfiles';

const MODEL_FOLDERS: { key: keyof ModelFolders; label: string; example: string }[] = [
  { key: 'clip', label: 'CLIP (Region-CLIP base)', example: '/models/openai/clip-vit-base-patch16' },
  { key: 'blip', label: 'BLIP (image-text retrieval)', example: '/models/Salesforce/blip-itm-base-coco' },
  { key: 'editor', label: 'Editor (InstructPix2Pix)', example: '/models/timbrooks/instruct-pix2pix' },
  { key: 'dino', label: 'DINO (evaluation)', example: '/models/facebook/dino-vits16' },
  // The evaluation presets' backbones (Compare view, `ric eval`): the keys the presets name.
  { key: 'clipB32', label: 'Metrics: CLIP ViT-B/32 (CLIP-I, CLIP-T)', example: '/models/openai/clip-vit-base-patch32' },
  { key: 'dinoS16', label: 'Metrics: DINO ViT-S/16 (magicbrush preset)', example: '/models/facebook/dino-vits16' },
  { key: 'dinoB16', label: 'Metrics: DINO ViT-B/16 (ric-authors preset)', example: '/models/facebook/dino-vitb16' },
  { key: 'inception', label: 'Metrics: Inception-v3, torchvision (FID, IS)', example: '/models/inception-v3-torchvision' },
  { key: 'lpipsVgg', label: 'Metrics: LPIPS VGG v0.1', example: '/models/lpips-vgg' },
  { key: 'inceptionFid', label: 'Metrics: Inception, pytorch-fid weights (optional)', example: '/models/pt-inception-2015-12-05' },
  { key: 'lpipsAlex', label: 'Metrics: LPIPS AlexNet v0.1 (optional)', example: '/models/lpips-alex' },
];

interface Draft {
  modelFolders: Record<keyof ModelFolders, string>;
  vlmBaseUrl: string;
  vlmModel: string;
  vlmApiKey: string;
  tensorBackend: Settings['tensorBackend'];
  /** "auto" or a whole number as typed */
  tensorWorkers: string;
}

function draftOf(s: Settings): Draft {
  return {
    modelFolders: Object.fromEntries(MODEL_FOLDERS.map((m) => [m.key, s.modelFolders[m.key] ?? ''])) as Draft['modelFolders'],
    vlmBaseUrl: s.vlm.baseUrl ?? '',
    vlmModel: s.vlm.model ?? '',
    vlmApiKey: '',
    tensorBackend: s.tensorBackend,
    tensorWorkers: String(s.tensorWorkers),
  };
}

/** The typed worker count as the setting: empty or "auto" → auto; a whole number 1–256; else null (not valid). */
function parseTensorWorkers(typed: string): Settings['tensorWorkers'] | null {
  const t = typed.trim().toLowerCase();
  if (t === '' || t === 'auto') return 'auto';
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 256 ? n : null;
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

export function SettingsView({ onSaved }: { onSaved: (s: Settings) => void }) {
  const api = useApi();
  const settings = useQuery('settings.get', {});
  const system = useQuery('system.info', {});
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  // Problems by field path ("modelFolders.clip", "vlm.baseUrl"), shown next to their field.
  const [problems, setProblems] = useState<Map<string, string>>(() => new Map());
  const [checks, setChecks] = useState<Partial<Record<keyof ModelFolders, { ok: boolean; message: string } | 'checking'>>>({});
  const [vlmTest, setVlmTest] = useState<VlmTestResult | 'testing' | null>(null);

  useEffect(() => {
    if (settings.data) setDraft(draftOf(settings.data));
  }, [settings.data]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const tensorWorkers = parseTensorWorkers(draft.tensorWorkers);
    if (tensorWorkers === null) {
      setProblems(new Map([['tensorWorkers', 'Tensor workers: type auto or a whole number from 1 to 256.']]));
      setStatus({ kind: 'error', text: 'Not saved: one setting needs a fix (see above).' });
      return;
    }
    const patch: SettingsPatch = {
      modelFolders: Object.fromEntries(MODEL_FOLDERS.map((m) => [m.key, orNull(draft.modelFolders[m.key])])) as SettingsPatch['modelFolders'],
      vlm: {
        baseUrl: orNull(draft.vlmBaseUrl),
        model: orNull(draft.vlmModel),
        ...(draft.vlmApiKey !== '' ? { apiKey: draft.vlmApiKey } : {}),
      },
      tensorBackend: draft.tensorBackend,
      tensorWorkers,
    };
    try {
      const saved = await api.call('settings.update', patch);
      setDraft(draftOf(saved));
      setProblems(new Map());
      setStatus({ kind: 'ok', text: 'Saved.' });
      onSaved(saved);
    } catch (err) {
      const byField = fieldProblems(err);
      setProblems(byField);
      setStatus({ kind: 'error', text: byField.size > 0 ? `Not saved: ${byField.size === 1 ? 'one setting needs' : `${byField.size} settings need`} a fix (see above).` : describeError(err) });
    }
  };

  const checkFolder = async (kind: keyof ModelFolders) => {
    if (!draft || draft.modelFolders[kind].trim() === '') return;
    setChecks((c) => ({ ...c, [kind]: 'checking' }));
    try {
      const r = await api.call('settings.checkModelFolder', { kind, path: draft.modelFolders[kind].trim() });
      setChecks((c) => ({ ...c, [kind]: r }));
    } catch (err) {
      setChecks((c) => ({ ...c, [kind]: { ok: false, message: describeError(err) } }));
    }
  };

  const testVlm = async () => {
    if (!draft) return;
    setVlmTest('testing');
    try {
      setVlmTest(await api.call('settings.testVlm', { baseUrl: draft.vlmBaseUrl.trim(), model: draft.vlmModel.trim(), ...(draft.vlmApiKey ? { apiKey: draft.vlmApiKey } : {}) }));
    } catch (err) {
      setVlmTest({ ok: false, message: describeError(err), answer: null, endpointModel: null, durationMs: 0 });
    }
  };

  const clearKey = async () => {
    const saved = await api.call('settings.update', { vlm: { apiKey: null } });
    onSaved(saved);
    settings.reload();
    setStatus({ kind: 'ok', text: 'API key removed.' });
  };

  if (settings.error) return <p className="error">Could not read settings: {describeError(settings.error)}</p>;
  if (!draft || !settings.data) return <p className="muted">Loading settings…</p>;

  const fieldError = (path: string) =>
    problems.has(path) ? (
      <span className="field-error" role="alert" data-testid={`problem-${path}`}>
        {problems.get(path)}
      </span>
    ) : null;

  return (
    <section className="view" aria-labelledby="view-title">
      <ViewHeader title="Settings" summary="Stored in this workstation's project folder and read by every process." />
      <form className="settings-form" onSubmit={save}>
        <fieldset>
          <legend>Data folder</legend>
          <div className="field">
            <label htmlFor="data-dir">Project folder</label>
            <input id="data-dir" readOnly value={system.data?.dataDir ?? ''} />
            <p className="hint">
              Holds the SQLite store and the image blobs. Choose another with <code>--data DIR</code> or{' '}
              <code>RIC_DATA</code> when starting RIC Studio.
              {system.data ? ` Schema version ${system.data.schemaVersion}.` : ''}
            </p>
          </div>
        </fieldset>
        <fieldset>
          <legend>Model folders</legend>
          <p className="hint">Local Hugging Face folders (config.json + *.safetensors). Nothing is downloaded.</p>
          {MODEL_FOLDERS.map((m) => (
            <div className="field" key={m.key}>
              <label htmlFor={`model-${m.key}`}>{m.label}</label>
              <div className="path-row">
                <input
                  id={`model-${m.key}`}
                  value={draft.modelFolders[m.key]}
                  placeholder={m.example}
                  spellCheck={false}
                  onChange={(e) => {
                    setDraft({ ...draft, modelFolders: { ...draft.modelFolders, [m.key]: e.target.value } });
                    setChecks((c) => ({ ...c, [m.key]: undefined }));
                  }}
                />
                <button type="button" className="secondary" disabled={draft.modelFolders[m.key].trim() === ''} onClick={() => void checkFolder(m.key)}>
                  Check
                </button>
              </div>
              {fieldError(`modelFolders.${m.key}`)}
              <FolderCheck result={checks[m.key]} />
            </div>
          ))}
          <MetricFolderCheck />
        </fieldset>
        <fieldset>
          <legend>VLM endpoint</legend>
          <p className="hint">An OpenAI-compatible chat-completions server (vLLM, SGLang, LM Studio, Ollama).</p>
          <div className="field">
            <label htmlFor="vlm-url">Base URL</label>
            <input
              id="vlm-url"
              value={draft.vlmBaseUrl}
              placeholder="http://127.0.0.1:8000/v1"
              spellCheck={false}
              onChange={(e) => setDraft({ ...draft, vlmBaseUrl: e.target.value })}
            />
            {fieldError('vlm.baseUrl')}
          </div>
          <div className="field">
            <label htmlFor="vlm-model">Model</label>
            <input
              id="vlm-model"
              value={draft.vlmModel}
              placeholder="deepseek-ai/deepseek-vl2-tiny"
              spellCheck={false}
              onChange={(e) => setDraft({ ...draft, vlmModel: e.target.value })}
            />
            {fieldError('vlm.model')}
          </div>
          <div className="field">
            <label htmlFor="vlm-key">API key</label>
            <input
              id="vlm-key"
              type="password"
              autoComplete="off"
              value={draft.vlmApiKey}
              placeholder={settings.data.vlm.apiKeySet ? '•••••••• (stored; type to replace)' : 'none'}
              onChange={(e) => setDraft({ ...draft, vlmApiKey: e.target.value })}
            />
            {fieldError('vlm.apiKey')}
            {settings.data.vlm.apiKeySet ? (
              <button type="button" className="link-button" onClick={() => void clearKey()}>
                Remove stored key
              </button>
            ) : null}
          </div>
          <div className="field">
            <span />
            <div className="form-actions">
              <button type="button" className="secondary" disabled={draft.vlmBaseUrl.trim() === '' || draft.vlmModel.trim() === '' || vlmTest === 'testing'} onClick={() => void testVlm()}>
                {vlmTest === 'testing' ? 'Testing…' : 'Test connection'}
              </button>
              <span className="hint">Sends one tiny request (an 8×8 image, a few tokens) with the URL, model and key above, saved or not.</span>
            </div>
            {vlmTest && vlmTest !== 'testing' ? (
              <p className={vlmTest.ok ? 'ok test-result' : 'error test-result'} role="status" data-testid="vlm-test-result">
                {vlmTest.ok ? '✓ ' : '✗ '}
                {vlmTest.message}
              </p>
            ) : null}
          </div>
        </fieldset>
        <fieldset>
          <legend>Tensor backend</legend>
          <div className="field">
            <label htmlFor="backend">Backend</label>
            <select
              id="backend"
              value={draft.tensorBackend}
              onChange={(e) => setDraft({ ...draft, tensorBackend: e.target.value as Draft['tensorBackend'] })}
            >
              <option value="auto">auto (fastest available)</option>
              {tensorBackendNames.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
            <p className="hint">
              Active now: {system.data?.tensorBackend ?? 'none — no engine has started in this session'}.
            </p>
          </div>
          <div className="field">
            <label htmlFor="tensor-workers">Tensor workers</label>
            <input
              id="tensor-workers"
              value={draft.tensorWorkers}
              placeholder="auto"
              inputMode="numeric"
              spellCheck={false}
              aria-describedby="tensor-workers-hint"
              onChange={(e) => setDraft({ ...draft, tensorWorkers: e.target.value })}
            />
            {fieldError('tensorWorkers')}
            <p className="hint" id="tensor-workers-hint">
              Threads that share each training batch, edit and evaluation on a CPU backend (wasm): auto = one per core, as memory allows; 1 = one
              thread. Same numbers either way. GPU backends always use one. A job&apos;s own setting (<code>ric train --workers</code>) and
              $RIC_ENGINE_WORKERS come first.
            </p>
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary">
            Save settings
          </button>
          {status ? (
            <span className={status.kind === 'ok' ? 'ok' : 'error'} role="status" data-testid="settings-status">
              {status.text}
            </span>
          ) : null}
        </div>
      </form>
      {/* Its own form: profiles are saved one at a time, apart from the settings above. */}
      <div className="settings-form">
        <ClusterProfiles />
      </div>
    </section>
  );
}

type FolderCheckRow = { preset: string; key: string; metrics: string[]; ok: boolean; problem: string | null };

/**
 * Checks the saved metric folders against what the built-in presets need (evals.preflight: set,
 * exists, right kind of model, every tensor present — headers only), so a missing one is named with
 * the key the preset expects before an evaluation is started.
 */
function MetricFolderCheck() {
  const api = useApi();
  const [rows, setRows] = useState<FolderCheckRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      const out: FolderCheckRow[] = [];
      for (const preset of ['magicbrush', 'ric-authors']) {
        const r = await api.call('evals.preflight', { preset });
        for (const f of r.folders) out.push({ preset, key: f.key, metrics: f.metrics, ok: f.ok, problem: f.problem });
      }
      setRows(out);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="field" data-testid="metric-folder-check">
      <button type="button" onClick={() => void check()} disabled={busy}>
        {busy ? 'Checking…' : 'Check saved metric folders'}
      </button>
      {error ? <p className="error">{error}</p> : null}
      {rows ? (
        <ul className="folder-checks">
          {rows.map((r) => (
            <li key={`${r.preset}.${r.key}`} className={r.ok ? 'ok' : 'error'}>
              {r.ok ? '✓' : '✗'} {r.preset}: <code>{r.key}</code> ({r.metrics.join(', ')}){r.ok ? '' : ` — ${r.problem ?? 'not ready'}`}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function FolderCheck({ result }: { result: { ok: boolean; message: string } | 'checking' | undefined }) {
  if (result === undefined) return null;
  if (result === 'checking') return <span className="hint">Checking…</span>;
  return (
    <span className={result.ok ? 'ok small' : 'field-error'} role="status">
      {result.ok ? '✓ ' : '✗ '}
      {result.message}
    </span>
  );
}
