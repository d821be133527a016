// The prompt templates, versioned: the paper's Table 4 prompt ships as scene v1; an edit saves a new
// version that the next caption job uses. Captions keep the version that produced them.
import { useEffect, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { CaptionKind } from '../../../../shared/api/captions';
import { useApi, useQuery } from '../../api/ApiProvider';
import { when } from './format';

export function TemplatesPanel({ kind }: { kind: CaptionKind }) {
  const api = useApi();
  const templates = useQuery('captions.templates', { kind });
  const current = templates.data?.find((t) => t.current);
  const [draft, setDraft] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => setDraft(current?.text ?? ''), [current?.id, current?.text]);

  const save = async () => {
    try {
      const t = await api.call('captions.updateTemplate', { kind, text: draft });
      setStatus({ ok: true, text: `Saved as version ${t.version}.` });
      templates.reload();
    } catch (err) {
      setStatus({ ok: false, text: describeError(err) });
    }
  };

  return (
    <details className="panel templates-panel">
      <summary>
        Prompt template ({kind}){current ? ` · v${current.version}` : ''}
      </summary>
      {templates.error ? <p className="error">{describeError(templates.error)}</p> : null}
      <p className="hint">
        <code>{'{edit_prompt}'}</code> is replaced by the sample's instruction. Saving makes a new version; earlier captions keep theirs.
      </p>
      <textarea className="template-editor" aria-label={`${kind} prompt template`} value={draft} rows={12} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
      <div className="form-actions">
        <button type="button" className="secondary" disabled={!current || draft === current.text || draft.trim() === ''} onClick={() => void save()}>
          Save as new version
        </button>
        {status ? <span className={status.ok ? 'ok' : 'error'}>{status.text}</span> : null}
      </div>
      <ul className="template-versions">
        {templates.data?.map((t) => (
          <li key={t.id}>
            v{t.version} {t.current ? '(current)' : ''} · <code>{t.sha256.slice(0, 12)}</code> · <span className="muted">{when(t.createdAt)}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
