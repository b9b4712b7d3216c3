// The transcript beside the player (views/partials/transcript.njk): the cue being said is highlighted as
// the audio plays, each cue's time moves the player there, and the search box finds words and goes to
// them. Without this script the transcript is a list of times, each opening the recording at that point
// (the first part of it, for a long one). A long transcript's cues are loaded from data-cues-url, all of
// one transcript: a replacement made while the page is open is what the page loaded, never a mix.
import { formatClock } from '/static/js/player-time.mjs';
import { cueIndexAt, matchRanges, matchingCues } from '/static/js/transcript-cues.mjs';

const audio = document.querySelector('[data-module="portal-player"]');
const section = document.querySelector('[data-module="portal-transcript"]');

/** A cue's list item, as views/partials/transcript.njk writes it; its text set as text, never parsed as HTML. */
function cueItem(cue, data) {
  const item = Object.assign(document.createElement('li'), { className: 'portal-transcript__cue' });
  Object.assign(item.dataset, { start: String(cue.start), end: String(cue.end), qa: 'cue' });
  const link = Object.assign(document.createElement('a'), { className: 'govuk-link portal-transcript__time', href: `${data.listenUrl}#t=${cue.start}` });
  Object.assign(link.dataset, { cueLink: '', qa: 'cue-link' });
  const hidden = Object.assign(document.createElement('span'), { className: 'govuk-visually-hidden', textContent: `${data.goTo} ` });
  link.append(hidden, formatClock(cue.start));
  const text = Object.assign(document.createElement('span'), { className: 'portal-transcript__text', textContent: cue.text });
  text.dataset.cueText = '';
  item.append(link, ' ', text);
  return item;
}

/** Every cue of a long transcript, or undefined (the page keeps its first part) if they cannot be had. */
async function loadCues(data) {
  try {
    const answer = await fetch(data.cuesUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!answer.ok) return undefined;
    const body = await answer.json();
    return Array.isArray(body.cues) ? body.cues : undefined;
  } catch {
    return undefined;
  }
}

async function start() {
  const data = section.dataset;
  const list = section.querySelector('[data-transcript-cues]');
  if (data.complete !== 'true') {
    const loaded = await loadCues(data);
    if (loaded) {
      list.replaceChildren(...loaded.map((cue) => cueItem(cue, data)));
      const partial = section.querySelector('[data-transcript-partial]');
      if (partial) partial.hidden = true;
    }
  }
  attachTranscript(data, list);
}

/** Highlighting, time links and search over the cues in the list. */
function attachTranscript(data, list) {
  const $ = (selector) => section.querySelector(selector);
  const form = $('[data-transcript-search]');
  const input = $('#transcript-search');
  const group = $('[data-search-group]');
  const error = $('[data-search-error]');
  const next = $('[data-search-next]');
  const status = $('[data-transcript-status]');
  const fill = (message, params) => message.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole));
  const cues = [...list.querySelectorAll('li[data-start]')].map((item) => {
    const text = item.querySelector('[data-cue-text]');
    return { start: Number(item.dataset.start), end: Number(item.dataset.end), item, text, plain: text.textContent };
  });
  let current = -1;
  let matches = [];
  let match = -1;

  /** Keeps the cue in sight inside the list (which scrolls), without moving the page under the reader. */
  function bringIntoList(item) {
    const top = item.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top - list.clientHeight / 3;
  }

  function highlight(index) {
    if (index === current) return;
    if (current >= 0) {
      cues[current].item.classList.remove('portal-transcript__cue--current');
      cues[current].item.removeAttribute('aria-current');
    }
    current = index;
    if (current < 0) return;
    cues[current].item.classList.add('portal-transcript__cue--current');
    cues[current].item.setAttribute('aria-current', 'true');
    bringIntoList(cues[current].item);
  }

  const follow = () => highlight(cueIndexAt(cues, audio.currentTime));

  function moveTo(index) {
    audio.currentTime = cues[index].start;
    highlight(index);
  }

  /** Marks where the words occur in each cue, built as text nodes: nothing of the transcript is parsed as HTML. */
  function markMatches(query) {
    for (const cue of cues) {
      const parts = [];
      let from = 0;
      for (const [start, end] of query ? matchRanges(cue.plain, query) : []) {
        parts.push(cue.plain.slice(from, start), Object.assign(document.createElement('mark'), { className: 'portal-transcript__match', textContent: cue.plain.slice(start, end) }));
        from = end;
      }
      cue.text.replaceChildren(...parts, cue.plain.slice(from));
    }
  }

  function showEmptyError(shown) {
    group.classList.toggle('govuk-form-group--error', shown);
    input.classList.toggle('govuk-input--error', shown);
    error.hidden = !shown;
    input.setAttribute('aria-describedby', shown ? 'transcript-search-hint transcript-search-error' : 'transcript-search-hint');
    if (shown) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function search(event) {
    event.preventDefault();
    const query = input.value.trim();
    showEmptyError(!query);
    matches = query ? matchingCues(cues.map((cue) => ({ text: cue.plain })), query) : [];
    markMatches(query);
    next.hidden = matches.length < 2;
    match = matches.length ? 0 : -1;
    if (!query) {
      status.textContent = '';
      return input.focus();
    }
    if (!matches.length) {
      status.textContent = fill(data.noneFound, { query });
      return;
    }
    moveTo(matches[0]);
    const message = matches.length === 1 ? data.foundOne : data.foundOther;
    status.textContent = fill(message, { query, count: matches.length, time: formatClock(cues[matches[0]].start) });
  }

  function nextMatch() {
    if (!matches.length) return;
    match = (match + 1) % matches.length;
    moveTo(matches[match]);
    status.textContent = fill(data.nextFound, { number: match + 1, count: matches.length, time: formatClock(cues[matches[match]].start) });
  }

  list.addEventListener('click', (event) => {
    const link = event.target.closest('[data-cue-link]');
    if (!link) return;
    event.preventDefault();
    const index = cues.findIndex((cue) => cue.item.contains(link));
    moveTo(index);
    status.textContent = fill(data.movedMessage, { time: formatClock(cues[index].start) });
  });
  form.addEventListener('submit', search);
  next.addEventListener('click', nextMatch);
  for (const type of ['timeupdate', 'seeked', 'loadedmetadata', 'portal-player:moved']) audio.addEventListener(type, follow);

  section.classList.add('portal-transcript--following');
  form.hidden = false;
  $('[data-transcript-follow]').hidden = false;
  follow();
}

if (audio && section) start();
