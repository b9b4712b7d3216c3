// Controls for a long recording on the native <audio> element, which stays the player without
// JavaScript: skip, speed, the time as h:mm:ss, "Go to a time" and keyboard shortcuts, each change
// announced politely to screen readers. Every word comes from the page (views/partials/player.njk).
import { SPEEDS, formatClock, nextSpeed, timeToGoTo } from '/static/js/player-time.mjs';

const audio = document.querySelector('[data-module="portal-player"]');
const controls = document.querySelector('[data-module="portal-player-controls"]');

if (audio && controls) {
  const $ = (selector) => controls.querySelector(selector);
  const toggle = $('[data-player-toggle]');
  const speed = $('[data-player-speed]');
  const current = $('[data-player-current]');
  const length = $('[data-player-length]');
  const status = $('[data-player-status]');
  const goto = $('[data-player-goto]');
  const gotoGroup = $('[data-goto-group]');
  const gotoInput = $('#player-goto');
  const gotoError = $('[data-goto-error]');
  const fill = (message, params) => message.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole));
  const announce = (text) => {
    status.textContent = text;
  };
  // The recording's length from the portal until the player knows it (preload="none" loads nothing first).
  const lengthSeconds = () => {
    if (Number.isFinite(audio.duration)) return audio.duration;
    const fromPortal = Number(controls.dataset.lengthSeconds);
    return fromPortal > 0 ? fromPortal : NaN;
  };

  function showTime() {
    current.textContent = formatClock(audio.currentTime);
    length.textContent = Number.isNaN(lengthSeconds()) ? '' : formatClock(lengthSeconds());
  }

  function moveTo(seconds) {
    audio.currentTime = Math.min(Math.max(0, seconds), lengthSeconds() || Infinity);
    // Before the audio has loaded (nothing played yet) the element fires no seek events: say it moved.
    audio.dispatchEvent(new Event('portal-player:moved'));
    showTime();
    announce(fill(controls.dataset.movedMessage, { time: formatClock(audio.currentTime) }));
  }

  function setSpeed(rate) {
    // Both: a reload of the source (listening.mjs sets it again) resets the rate to the default one.
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
  }

  function togglePlaying() {
    if (audio.paused) audio.play().catch(() => undefined);
    else audio.pause();
  }

  function showGotoError(problem) {
    gotoGroup.classList.toggle('govuk-form-group--error', Boolean(problem));
    gotoInput.classList.toggle('govuk-input--error', Boolean(problem));
    gotoError.hidden = !problem;
    gotoInput.setAttribute('aria-describedby', problem ? 'player-goto-hint player-goto-error' : 'player-goto-hint');
    if (!problem) return;
    const message = controls.querySelector('[data-goto-error-text]');
    message.textContent = fill(goto.dataset[`${problem.replace('-e', 'E')}Message`], { length: formatClock(lengthSeconds()) });
    gotoInput.setAttribute('aria-invalid', 'true');
    gotoInput.focus();
  }

  toggle.addEventListener('click', togglePlaying);
  for (const skip of controls.querySelectorAll('[data-player-skip]')) {
    skip.addEventListener('click', () => moveTo(audio.currentTime + Number(skip.dataset.playerSkip)));
  }
  speed.addEventListener('change', () => setSpeed(Number(speed.value)));
  goto.addEventListener('submit', (event) => {
    event.preventDefault();
    const result = timeToGoTo(gotoInput.value, lengthSeconds());
    if (result.problem) return showGotoError(result.problem);
    gotoInput.removeAttribute('aria-invalid');
    showGotoError(null);
    moveTo(result.seconds);
  });

  audio.addEventListener('timeupdate', showTime);
  audio.addEventListener('durationchange', showTime);
  audio.addEventListener('play', () => {
    toggle.textContent = toggle.dataset.pauseText;
  });
  audio.addEventListener('pause', () => {
    toggle.textContent = toggle.dataset.playText;
  });
  audio.addEventListener('ratechange', () => {
    if (!SPEEDS.includes(audio.playbackRate)) return;
    speed.value = String(audio.playbackRate);
    announce(fill(controls.dataset.speedMessage, { speed: speed.selectedOptions[0].textContent.toLowerCase() }));
  });

  // Screen readers keep single letters for their own navigation in browse mode, so these take none of
  // theirs; they act only outside text boxes and lists, never with a modifier (the browser's own), and
  // can be turned off, and stay off on this device (WCAG 2.1.4 Character Key Shortcuts).
  const SHORTCUTS_OFF_KEY = 'portal-player-shortcuts-off';
  const shortcutsOn = $('[data-player-shortcuts]');
  shortcutsOn.checked = localStorage.getItem(SHORTCUTS_OFF_KEY) === null;
  shortcutsOn.addEventListener('change', () => {
    if (shortcutsOn.checked) localStorage.removeItem(SHORTCUTS_OFF_KEY);
    else localStorage.setItem(SHORTCUTS_OFF_KEY, '1');
  });
  const SHORTCUTS = {
    k: () => {
      togglePlaying();
      announce(controls.dataset[audio.paused ? 'pausedMessage' : 'playingMessage']);
    },
    j: () => moveTo(audio.currentTime - 10),
    l: () => moveTo(audio.currentTime + 30),
    '<': () => setSpeed(nextSpeed(audio.playbackRate, -1)),
    '>': () => setSpeed(nextSpeed(audio.playbackRate, 1)),
  };
  document.addEventListener('keydown', (event) => {
    const action = SHORTCUTS[event.key];
    const typing = event.target instanceof Element && event.target.closest('input, textarea, select, [contenteditable]');
    if (!action || !shortcutsOn.checked || typing || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    action();
  });

  showTime();
  controls.hidden = false;
}
