// A modal dialog on the platform's <dialog> (focus trap, Escape, inert background for free), and a
// confirmation built on it that says exactly what an action will do before it does it.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { describeError } from '../../../shared/api/wording';

export function Dialog({ open, title, onClose, children, className }: { open: boolean; title: string; onClose(): void; children: ReactNode; className?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className={`app-dialog ${className ?? ''}`} aria-label={title} onClose={onClose}>
      <header className="dialog-header">
        <h2>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {open ? children : null}
    </dialog>
  );
}

/**
 * Asks before a destructive or long action. `onConfirm` may fail: its error is shown in the dialog,
 * which stays open; on success the dialog closes.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (props.open) setError(null);
  }, [props.open]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose} className="confirm-dialog">
      <div className="dialog-body">
        {props.children}
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="button" className={props.danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
          <button type="button" className="secondary" onClick={props.onClose} autoFocus>
            Cancel
          </button>
        </div>
      </div>
    </Dialog>
  );
}
