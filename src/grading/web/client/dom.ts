/**
 * Building the page's elements. Every string goes in as text or as an attribute value; the one way in for markup
 * is `rendered`, for the `Html` fields the server rendered with the report's escaping and KaTeX code.
 */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

/** Markup rendered and escaped by the server (the `Html` fields of the protocol), never text from elsewhere. */
export function rendered(tag: 'div' | 'span', cls: string, markup: string): HTMLElement {
  const e = el(tag, { class: cls });
  e.innerHTML = markup;
  return e;
}

export function button(id: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', id }, label);
  b.addEventListener('click', onClick);
  return b;
}
