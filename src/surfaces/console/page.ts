/** The console page: a chat-like transcript, a command box, and buttons that work. No build step, no CDN. */
export const CONSOLE_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Steward console</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#6b7385; --line:#e3e6ec; --accent:#2f6feb; --danger:#c9372c; --ok:#1f883d; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); display:flex; flex-direction:column; height:100vh; }
  header { flex:0 0 auto; display:flex; flex-wrap:wrap; align-items:center; gap:4px 12px; padding:10px 16px; background:var(--card); border-bottom:1px solid var(--line); }
  header h1 { font-size:16px; margin:0; } header .muted { color:var(--muted); font-size:12px; }
  header label { margin-left:auto; font-size:12px; color:var(--muted); } header input { width:110px; padding:3px 6px; border:1px solid var(--line); border-radius:4px; }
  #log { flex:1 1 auto; min-height:0; overflow-y:auto; padding:16px; display:flex; flex-direction:column; gap:12px; }
  /* A message never shrinks to fit the transcript (the transcript scrolls instead) and never runs off the side. */
  .msg { flex:0 0 auto; min-width:0; max-width:min(1000px,100%); overflow-wrap:anywhere; }
  .msg.you { align-self:flex-end; background:#dbe7ff; padding:6px 10px; border-radius:10px; font-family:ui-monospace,monospace; white-space:pre-wrap; }
  .msg.bot { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:10px 14px; }
  .r-table-wrap, .r-chart { max-width:100%; overflow-x:auto; }
  .msg.bot.pending { color:var(--muted); font-style:italic; }
  .who { font-size:11px; color:var(--muted); margin-bottom:2px; }
  .r-title { margin:0 0 8px; font-size:15px; } .r-text { margin:6px 0; } .r-context { margin:6px 0; color:var(--muted); font-size:12px; }
  .r-context ul, .r-text ul { margin:2px 0 2px 18px; padding:0; }
  .r-fields { display:flex; flex-wrap:wrap; gap:6px 24px; margin:6px 0; } .r-fields dt { font-size:11px; color:var(--muted); } .r-fields dd { margin:0; font-weight:600; }
  .r-table { border-collapse:collapse; margin:8px 0 2px; font-size:13px; } .r-table th, .r-table td { border-bottom:1px solid var(--line); padding:3px 10px 3px 0; text-align:left; white-space:nowrap; }
  .r-table th { font-size:11px; text-transform:uppercase; color:var(--muted); } .num { text-align:right !important; font-variant-numeric:tabular-nums; }
  .r-note { font-size:12px; color:var(--muted); margin-bottom:6px; }
  .r-chart { margin:8px 0; } .r-chart figcaption { font-size:12px; color:var(--muted); margin-bottom:4px; }
  .bar-row { display:grid; grid-template-columns:minmax(120px,max-content) 1fr max-content; gap:8px; align-items:center; font-size:12px; }
  .bar { background:#eef1f6; height:10px; border-radius:3px; min-width:160px; } .bar span { display:block; height:100%; background:var(--accent); border-radius:3px; }
  .r-actions { display:flex; flex-wrap:wrap; gap:8px; margin-top:8px; } hr.r-divider { border:0; border-top:1px solid var(--line); }
  .btn { border:1px solid var(--line); background:#fff; border-radius:6px; padding:5px 12px; cursor:pointer; font:inherit; }
  .btn-primary { background:var(--ok); border-color:var(--ok); color:#fff; } .btn-danger { background:var(--danger); border-color:var(--danger); color:#fff; }
  .btn[disabled] { opacity:.5; cursor:default; }
  code { background:#eef1f6; padding:0 4px; border-radius:3px; font-size:12.5px; }
  form { flex:0 0 auto; display:flex; gap:8px; padding:12px 16px; background:var(--card); border-top:1px solid var(--line); }
  #cmd { flex:1; min-width:0; font:14px ui-monospace,monospace; padding:8px 10px; border:1px solid var(--line); border-radius:6px; }
  .ico { display:inline-block; width:.7em; height:.7em; border-radius:50%; margin-right:.3em; vertical-align:-.05em; background:var(--muted); }
  .ico-red, .ico-fail, .ico-no { background:var(--danger); } .ico-orange { background:#d1640f; } .ico-yellow { background:#d4a72c; }
  .ico-white { background:#fff; border:1px solid #8c959f; } .ico-green, .ico-ok { background:var(--ok); }
  .ico-wait { background:transparent; border:2px solid var(--muted); } .ico-busy { background:transparent; border:2px dashed var(--accent); }
  .ico-undo { background:transparent; border:2px solid #d1640f; }
  .ico-warn, .ico-alarm { width:0; height:0; border-radius:0; background:transparent; border-left:.4em solid transparent; border-right:.4em solid transparent; border-bottom:.7em solid #d4a72c; }
  .ico-alarm { border-bottom-color:var(--danger); }
  .intro { flex:0 0 auto; max-width:min(1000px,100%); border:1px dashed var(--line); border-radius:10px; padding:12px 14px; background:var(--card); }
  .intro p { margin:0 0 6px; } .intro .muted { color:var(--muted); } .intro .try { display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin-top:8px; font-size:13px; }
  .chips { flex:0 0 auto; display:flex; gap:6px; padding:0 16px 10px; background:var(--card); flex-wrap:wrap; } .chip { font-size:12px; padding:2px 8px; border-radius:10px; border:1px solid var(--line); background:#fff; cursor:pointer; }
</style>
</head>
<body>
<header>
  <h1>Steward</h1><span class="muted">local console · same commands as <code>/cloud …</code> in Slack</span>
  <label>You are <input id="user" value="alice" maxlength="40" aria-label="your name"></label>
</header>
<main id="log" aria-live="polite">
  <section class="intro" id="intro" aria-label="what this is">
    <p><strong>Steward</strong> reads your AWS, Azure and Google Cloud estate, proposes changes (stop, resize, an optimized
    reallocation, a failover) and carries them out only after the right people approve them.</p>
    <p id="estate">Reading the estate…</p>
    <div class="try">Try: <button type="button" class="chip" data-try="inventory">inventory</button>
      <button type="button" class="chip" data-try="cost --by region">cost --by region</button>
      <button type="button" class="chip" data-try="optimize">optimize</button>
      <span class="muted">or <code>help</code> for every command.</span></div>
  </section>
</main>
<form id="form" autocomplete="off">
  <input id="cmd" name="cmd" placeholder="Type a command, e.g. inventory --provider aws" aria-label="command" autofocus>
  <button class="btn btn-primary" type="submit">Send</button>
</form>
<div class="chips" id="chips"></div>
<script>
(() => {
  const log = document.getElementById('log'), form = document.getElementById('form'), cmd = document.getElementById('cmd'), user = document.getElementById('user');
  const history = []; let hpos = 0; let seq = 0;
  user.value = localStorage.getItem('steward.user') || 'alice';
  user.addEventListener('change', () => localStorage.setItem('steward.user', user.value.trim() || 'alice'));
  for (const b of document.querySelectorAll('#intro [data-try]')) b.onclick = () => { cmd.value = b.dataset.try; form.requestSubmit(); };
  fetch('/api/welcome?user=' + encodeURIComponent(user.value)).then((r) => r.json()).then((w) => { if (w.estate) document.getElementById('estate').textContent = w.estate; })
    .catch(() => { document.getElementById('estate').textContent = 'Type a command below.'; });
  for (const c of ['help', 'inventory', 'cost --by region', 'inventory --state stopped']) {
    const b = document.createElement('button'); b.type = 'button'; b.className = 'chip'; b.textContent = c;
    b.onclick = () => { cmd.value = c; form.requestSubmit(); }; document.getElementById('chips').appendChild(b);
  }
  function esc(s) { const d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; }
  function add(cls, html, who) {
    const d = document.createElement('div'); d.className = 'msg ' + cls;
    if (who) { const w = document.createElement('div'); w.className = 'who'; w.textContent = who; d.appendChild(w); }
    const body = document.createElement('div'); body.className = 'body'; body.innerHTML = html; d.appendChild(body);
    log.appendChild(d); log.scrollTop = log.scrollHeight; return d;
  }
  async function post(url, payload) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const body = await res.json().catch(() => ({}));
    // A refusal (400) carries its message; show it as a reply, never "undefined".
    if (typeof body.html !== 'string') body.html = '<div class="reply">' + esc(body.error || 'The server answered ' + res.status + '.') + '</div>';
    return body;
  }
  /** Brings a new answer into view: all of it when it fits, else its start; its buttons always (they are the point). */
  function reveal(el) {
    if (el.offsetHeight <= log.clientHeight) log.scrollTop = log.scrollHeight;
    else log.scrollTop = el.offsetTop - log.offsetTop - 8;
    const buttons = el.querySelector('.r-actions');
    if (buttons) {
      const lb = log.getBoundingClientRect(), bb = buttons.getBoundingClientRect();
      if (bb.bottom > lb.bottom) log.scrollTop += bb.bottom - lb.bottom + 8;
      else if (bb.top < lb.top) log.scrollTop -= lb.top - bb.top + 8;
    }
  }
  function place(el, body) {
    el.classList.remove('pending'); el.querySelector('.body').innerHTML = body.html;
    if (body.id) el.dataset.messageId = body.id;
    if (typeof body.seq === 'number') seq = Math.max(seq, body.seq);
    reveal(el);
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault(); const text = cmd.value.trim(); if (!text) return;
    history.push(text); hpos = history.length; cmd.value = '';
    const you = document.createElement('div'); you.className = 'msg you'; you.textContent = text; log.appendChild(you);
    const el = add('bot pending', 'working…', 'Steward');
    try { place(el, await post('/api/command', { text, user: user.value })); }
    catch { place(el, { html: '<div class="reply">Could not reach the server.</div>' }); }
  });
  cmd.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowUp' && hpos > 0) { cmd.value = history[--hpos]; e.preventDefault(); }
    if (e.key === 'ArrowDown') { hpos = Math.min(history.length, hpos + 1); cmd.value = history[hpos] || ''; e.preventDefault(); }
  });
  log.addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-action-id]'); if (!b) return;
    if (b.dataset.confirm && !confirm(b.dataset.confirm)) return;
    const msg = b.closest('.msg'); b.disabled = true;
    const el = add('bot pending', 'working…', 'Steward');
    try {
      const body = await post('/api/action', { actionId: b.dataset.actionId, value: b.dataset.value, user: user.value, messageId: msg.dataset.messageId || '' });
      if (body.replace && msg.dataset.messageId) { el.remove(); place(msg, body); } else place(el, body);
    } catch { place(el, { html: '<div class="reply">Could not reach the server.</div>' }); }
    finally { b.disabled = false; }
  });
  async function poll() {
    try {
      const res = await fetch('/api/updates?since=' + seq);
      if (res.ok) {
        const body = await res.json(); seq = Math.max(seq, body.seq);
        for (const m of body.messages) {
          const el = log.querySelector('[data-message-id="' + CSS.escape(m.id) + '"]');
          if (el) el.querySelector('.body').innerHTML = m.html;
          else if (m.pushed) add('bot', m.html, 'Steward').dataset.messageId = m.id;
        }
      }
    } catch {}
    setTimeout(poll, document.hidden ? 5000 : 1000);
  }
  poll();
})();
</script>
</body>
</html>
`;
