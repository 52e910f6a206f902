// Waits for a condition by polling, with a timeout: the one way these tests synchronise.
export async function until<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  /** What is awaited, for the timeout's message; a function to describe the state at the timeout. */
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
