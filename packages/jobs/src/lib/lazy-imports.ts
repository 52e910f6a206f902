// Heavy dependencies of the built-in jobs, imported on first use instead of
// with the job's module. A job module is also imported only to read its
// definition (name, title, input schema: `threadline jobs`, forms, the engine's
// registry), in the main thread, and that must not pay for sharp's native
// libvips or the feed parser when the job never runs there.

/** The same promise on every call: one import per thread, however many items ask at once. */
const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | undefined;
  return () => (loading ??= load());
};

export const loadSharp = once(() => import('sharp').then((module) => module.default));
/** The module, not fast-xml-parser itself: it builds its parser when imported. */
export const loadFeedParser = once(() => import('./feed-parser.js'));
