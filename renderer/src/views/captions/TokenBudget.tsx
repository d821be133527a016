// The token budget of a description, live, counted main-side by the real tokenizers of the
// configured CLIP and BLIP folders. The part past a reader's window is greyed out: the model
// will not read it (DESIGN.md §1). Without a folder there is no count, and the screen says so.
import { useEffect, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import { Link } from 'react-router';
import type { TokenBudget as Budget, TokenReader } from '../../../../shared/api/captions';
import { useApi } from '../../api/ApiProvider';

const NAMES: Record<TokenReader, string> = { clip: 'CLIP', blip: 'BLIP' };
const USE: Record<TokenReader, string> = { clip: 'region loss, Eq. 8', blip: 'global loss, Eq. 9' };

export function TokenBudget({ text, primary }: { text: string; primary: TokenReader }) {
  const api = useApi();
  const [result, setResult] = useState<{ text: string; budgets: Budget[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api.call('captions.tokens', { text, readers: [primary, primary === 'clip' ? 'blip' : 'clip'] }).then(
        (budgets) => {
          if (!live) return;
          setResult({ text, budgets });
          setError(null);
        },
        (err: unknown) => live && setError(describeError(err)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, text, primary]);

  if (error) return <p className="error">Token count failed: {error}</p>;
  if (!result) return <p className="muted budget-loading">Counting tokens…</p>;
  return (
    <section className="token-budget" aria-label="Token budget">
      {result.budgets.map((b) => (
        <ReaderBudget key={b.reader} budget={b} text={result.text} primary={b.reader === primary} />
      ))}
    </section>
  );
}

function ReaderBudget({ budget: b, text, primary }: { budget: Budget; text: string; primary: boolean }) {
  const name = NAMES[b.reader];
  if (!b.available) {
    return (
      <div className={`budget budget-missing${primary ? ' primary' : ''}`} data-testid={`budget-${b.reader}`}>
        <strong>{name}</strong> (reads {b.window} tokens · {USE[b.reader]}): no token count — {b.reason}.{' '}
        <Link to="/settings">Set the model folder in Settings</Link>
      </div>
    );
  }
  const capacity = b.window - b.specialTokens;
  const over = b.count - capacity;
  return (
    <div className={`budget${primary ? ' primary' : ''}${over > 0 ? ' over' : ''}`} data-testid={`budget-${b.reader}`}>
      <div className="budget-line">
        <strong>{name}</strong>
        <meter min={0} max={capacity} high={capacity} value={Math.min(b.count, capacity)} aria-label={`${name} tokens used`} />
        <span data-testid={`budget-${b.reader}-count`}>
          {b.count} / {capacity} tokens
        </span>
        <span className="muted">
          (window {b.window}, {b.specialTokens} special · {USE[b.reader]})
        </span>
        {over > 0 ? <span className="budget-over">{over} past the window</span> : <span className="ok">fits</span>}
      </div>
      {b.readUntil !== null ? (
        <p className="budget-preview" data-testid={`budget-${b.reader}-preview`}>
          <span>{text.slice(0, b.readUntil)}</span>
          <span className="unread" title={`${name} will not read this`}>
            {text.slice(b.readUntil)}
          </span>
          <span className="unread-note"> ← the model will not read this</span>
        </p>
      ) : null}
    </div>
  );
}
