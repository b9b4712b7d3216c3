// When the player stops because the portal refused a range (the session or the link ended) or the
// connection failed, reload the page: the portal then says why (the National Insurance number step
// explains an ended session), or offers the player again at the same place. A second failure soon
// after a reload only shows a message, so a bucket that is down cannot make the page reload forever.
const player = document.querySelector('[data-module="portal-player"]');
const stopped = document.querySelector('[data-listen-stopped]');
const positionKey = `portal-listen-position:${window.location.pathname}`;
const reloadedKey = `portal-listen-reloaded:${window.location.pathname}`;
const RELOAD_GUARD_MS = 10_000;

if (player) {
  const saved = Number(sessionStorage.getItem(positionKey));
  sessionStorage.removeItem(positionKey);
  if (saved > 0) player.src = `${player.src.split('#')[0]}#t=${Math.floor(saved)}`;

  player.addEventListener('error', () => {
    const lastReload = Number(sessionStorage.getItem(reloadedKey));
    if (Date.now() - lastReload < RELOAD_GUARD_MS) {
      if (stopped) stopped.hidden = false;
      return;
    }
    sessionStorage.setItem(reloadedKey, String(Date.now()));
    if (player.currentTime > 0) sessionStorage.setItem(positionKey, String(player.currentTime));
    window.location.reload();
  });
}
