import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorNotice } from './ui';

interface Props {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  /** Ask for a reason (written to the audit log); required unless `reasonOptional`. */
  reason?: { label: string; optional?: boolean };
  busy?: boolean;
  error?: unknown;
  onConfirm(reason: string): void;
  onClose(): void;
}

/** A modal confirmation (native <dialog>), with the reason the API records when it asks for one. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = 'primary',
  reason,
  busy,
  error,
  onConfirm,
  onClose,
}: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const missing = reason && !reason.optional && text.trim() === '';
  return (
    <dialog ref={ref} className="dialog" aria-label={title} onCancel={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!missing) onConfirm(text.trim());
        }}
      >
        <h2>{title}</h2>
        {children}
        {reason ? (
          <label className="field">
            <span>{reason.label}</span>
            <textarea name="reason" rows={3} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          </label>
        ) : null}
        <ErrorNotice error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={tone === 'danger' ? 'danger' : 'primary'}
            disabled={Boolean(missing) || busy}
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
