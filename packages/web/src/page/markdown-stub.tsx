// rjsf renders Markdown only where a uiSchema asks for it (this page never does)
// and in its own configuration-error messages; markdown-to-jsx is 87 KB of the
// script for that. vite.config.ts points 'markdown-to-jsx/react' here: the text as it is.
import type { ReactNode } from 'react';

export function Markdown(props: { children?: ReactNode }) {
  return <span>{props.children}</span>;
}

export default Markdown;
