// Warns the claimant shortly before their signed-in session ends and lets them stay signed in without
// leaving the page, so the audio keeps playing (WCAG 2.2.1 Timing Adjustable). All wording comes from
// the page, in its language. Without JavaScript the page states the time and the same form works.
const notice = document.querySelector('[data-module="portal-session-timeout"]');
const dialog = document.getElementById('session-timeout-dialog');

if (notice && dialog && typeof dialog.showModal === 'function') {
  const warnSeconds = Number(notice.dataset.warnSeconds);
  let timers = [];

  // Counted from when the page arrived: the server says how long is left, because the device's clock may be wrong.
  function schedule(secondsLeft) {
    timers.forEach(clearTimeout);
    timers = [
      setTimeout(() => {
        if (!dialog.open) dialog.showModal();
      }, Math.max(0, secondsLeft - warnSeconds) * 1000),
      // When the time is up the server shows the National Insurance number step, with an explanation.
      setTimeout(() => window.location.reload(), (secondsLeft + 1) * 1000),
    ];
  }

  function showRenewed(renewed) {
    for (const text of document.querySelectorAll('[data-session-notice]')) text.textContent = renewed.notice;
    for (const text of document.querySelectorAll('[data-session-warning]')) text.textContent = renewed.warning;
    for (const grant of document.querySelectorAll('input[name="grant"]')) grant.value = renewed.grant;
    const status = notice.querySelector('[data-session-status]');
    if (status) status.textContent = renewed.confirmation;
  }

  for (const form of document.querySelectorAll('form[data-session-renew]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const response = await fetch(form.action, { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        const type = response.headers.get('Content-Type') || '';
        if (!response.ok || !type.startsWith('application/json')) throw new Error('session not renewed');
        const renewed = await response.json();
        showRenewed(renewed);
        schedule(renewed.secondsLeft);
        if (dialog.open) dialog.close();
      } catch {
        // Let the browser post the form as it would without JavaScript.
        form.submit();
      }
    });
  }

  schedule(Number(notice.dataset.secondsLeft));
}
