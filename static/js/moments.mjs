// "Mark this moment": times in the recording with a short note, kept only in this browser's
// localStorage under the recording's SHA-256 fingerprint (not the link, which changes when a new one is
// sent). Notes are health information: nothing here talks to the portal. Signing out clears them.
import { NOTE_MAX_LENGTH, cleanMoments, formatClock, momentsAsText } from '/static/js/player-time.mjs';

const STORAGE_PREFIX = 'portal-moments:';
const audio = document.querySelector('[data-module="portal-player"]');
const section = document.querySelector('[data-module="portal-moments"]');

/** Every recording's notes on this device: signing out is for a shared device, where any of them may be someone else's to keep private. */
function clearAllMoments() {
  for (const key of Object.keys(localStorage)) if (key.startsWith(STORAGE_PREFIX)) localStorage.removeItem(key);
}

for (const form of document.querySelectorAll('form[data-sign-out]')) form.addEventListener('submit', clearAllMoments);

if (audio && section) {
  const data = section.dataset;
  const storageKey = `${STORAGE_PREFIX}${data.fingerprint}`;
  const $ = (selector) => section.querySelector(selector);
  const form = $('[data-moment-form]');
  const note = $('#moment-note');
  const noteLabel = $('[data-note-label]');
  const noteGroup = $('[data-note-group]');
  const noteError = $('[data-note-error]');
  const submit = $('[data-moment-submit]');
  const cancel = $('[data-moment-cancel]');
  const list = $('[data-moments-list]');
  const empty = $('[data-moments-empty]');
  const status = $('[data-moments-status]');
  const fill = (message, time) => message.replace('{time}', time);
  const labelText = noteLabel.textContent;
  /** The time of the moment whose note is being edited, or null when marking a new one. */
  let editing = null;

  const load = () => {
    try {
      return cleanMoments(JSON.parse(localStorage.getItem(storageKey) || '[]'));
    } catch {
      return [];
    }
  };
  const save = (moments) => {
    if (moments.length === 0) localStorage.removeItem(storageKey);
    else localStorage.setItem(storageKey, JSON.stringify(cleanMoments(moments)));
    render();
  };

  function button(text, context, onClick) {
    const element = document.createElement('button');
    element.type = 'button';
    element.className = 'govuk-button govuk-button--secondary portal-moments__button';
    element.append(text, Object.assign(document.createElement('span'), { className: 'govuk-visually-hidden', textContent: ` ${context}` }));
    element.addEventListener('click', onClick);
    return element;
  }

  function render() {
    const moments = load();
    list.replaceChildren(
      ...moments.map((moment) => {
        const time = formatClock(moment.seconds);
        const item = document.createElement('li');
        item.className = 'portal-moments__item';
        const link = Object.assign(document.createElement('a'), { className: 'govuk-link portal-moments__time', href: `#t=${moment.seconds}` });
        link.dataset.qa = 'moment-link';
        link.append(Object.assign(document.createElement('span'), { className: 'govuk-visually-hidden', textContent: `${data.jumpText} ` }), time);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          audio.currentTime = moment.seconds;
          audio.focus();
        });
        const text = Object.assign(document.createElement('span'), { className: 'portal-moments__note', textContent: moment.note });
        text.dataset.qa = 'moment-text';
        const context = fill(data.contextText, time);
        item.append(
          link,
          ' ',
          text,
          button(data.editText, context, () => startEditing(moment)),
          button(data.removeText, context, () => {
            save(load().filter((m) => m.seconds !== moment.seconds));
            status.textContent = fill(data.removedMessage, time);
          }),
        );
        return item;
      }),
    );
    empty.hidden = moments.length > 0;
  }

  function startEditing(moment) {
    editing = moment.seconds;
    note.value = moment.note;
    noteLabel.textContent = fill(data.editLabel, formatClock(moment.seconds));
    submit.textContent = submit.dataset.saveText;
    cancel.hidden = false;
    note.focus();
  }

  function stopEditing() {
    editing = null;
    note.value = '';
    noteLabel.textContent = labelText;
    submit.textContent = submit.dataset.markText;
    cancel.hidden = true;
  }

  function showNoteError(tooLong) {
    noteGroup.classList.toggle('govuk-form-group--error', tooLong);
    note.classList.toggle('govuk-input--error', tooLong);
    noteError.hidden = !tooLong;
    note.setAttribute('aria-describedby', tooLong ? 'moment-note-hint moment-note-error' : 'moment-note-hint');
    if (tooLong) note.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = note.value.trim();
    showNoteError(text.length > NOTE_MAX_LENGTH);
    if (text.length > NOTE_MAX_LENGTH) return;
    const seconds = editing ?? Math.floor(audio.currentTime);
    // One moment per second: marking the same second again replaces its note.
    save([...load().filter((m) => m.seconds !== seconds), { seconds, note: text }]);
    status.textContent = fill(editing === null ? data.markedMessage : data.savedMessage, formatClock(seconds));
    stopEditing();
  });
  cancel.addEventListener('click', stopEditing);

  $('[data-moments-download]').addEventListener('click', () => {
    const text = momentsAsText({
      title: data.fileTitle,
      dateLabel: data.dateLabel,
      date: data.recordedOn,
      fingerprintLabel: data.fingerprintLabel,
      fingerprint: data.fingerprint,
      moments: load(),
    });
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: data.fileName });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  $('[data-moments-print]').addEventListener('click', () => window.print());
  $('[data-moments-clear]').addEventListener('click', () => {
    save([]);
    stopEditing();
    status.textContent = data.clearedMessage;
  });

  render();
  section.hidden = false;
}
