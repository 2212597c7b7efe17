/**
 * The one error the media readers throw. It lives in its own module so the structure checks and the
 * public entry point can both raise it without importing each other.
 */

export type MediaInspectionErrorCode = 'truncated' | 'unsupported' | 'corrupt' | 'empty' | 'timeout';

export class MediaInspectionError extends Error {
  override readonly name = 'MediaInspectionError';
  readonly code: MediaInspectionErrorCode;
  /** Length of the input that was inspected, so callers can tell a short download from a bad encoder. */
  readonly bytesSeen: number;

  constructor(code: MediaInspectionErrorCode, message: string, bytesSeen: number, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.bytesSeen = bytesSeen;
  }
}

/**
 * Settle with `work`, or reject with a 'timeout' error after `timeoutMs` (calling `onTimeout` first so
 * the caller can cancel the abandoned work). A guard against parsers that stall on hostile input.
 */
export function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  describe: { what: string; bytesSeen: number },
  onTimeout: () => void = () => {},
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new MediaInspectionError(
          'timeout',
          `inspecting ${describe.what} took longer than ${timeoutMs} ms (${describe.bytesSeen} bytes)`,
          describe.bytesSeen,
        ),
      );
    }, timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
