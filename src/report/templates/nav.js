// The report's only script, allowed by its hash in the page's Content-Security-Policy. It opens the folds
// (<details>) around the target of a link, so that a heatmap cell lands on its answer, and drives the
// open-all/close-all buttons. Without it the page still works: folds open by hand.
(() => {
  const reveal = (id) => {
    const el = id ? document.getElementById(id) : null;
    if (!el) return;
    for (let e = el; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true;
    return el;
  };
  const fromHash = () => {
    let id = '';
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch {
      return;
    }
    const el = reveal(id);
    if (el) el.scrollIntoView();
  };
  document.addEventListener('click', (ev) => {
    const t = ev.target;
    const a = t?.closest?.('a[href^="#"]');
    if (a) {
      // Open first, so the browser's own scroll to the fragment finds the target visible.
      try {
        reveal(decodeURIComponent(a.getAttribute('href').slice(1)));
      } catch {}
      return;
    }
    const b = t?.closest?.('button[data-fold]');
    if (!b) return;
    const scope = document.getElementById(b.getAttribute('data-in')) || document;
    const open = b.getAttribute('data-fold') === 'open';
    for (const d of scope.querySelectorAll('details')) d.open = open;
  });
  addEventListener('hashchange', fromHash);
  document.documentElement.setAttribute('data-nav', 'on');
  if (location.hash) fromHash();
})();
