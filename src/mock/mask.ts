/**
 * The one masking rule for secrets (licence keys, Authorization headers) wherever the mock shows them:
 * the journal, `/__sora/*`, the inspector, error messages. At most 4 characters of a key are shown,
 * and never more than a third of it, half from its start and half from its end: enough to tell keys
 * apart, never enough to use one.
 */
export function maskSecret(key: string): string {
  const shown = Math.min(4, Math.floor(key.length / 3));
  if (shown === 0) return '…';
  const head = Math.ceil(shown / 2);
  const tail = shown - head;
  return `${key.slice(0, head)}…${tail > 0 ? key.slice(-tail) : ''}`;
}
