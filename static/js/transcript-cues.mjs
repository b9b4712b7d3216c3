// Pure helpers for the recording page's transcript (static/js/transcript.mjs), kept apart from the page
// so their edges are unit-tested (tests/unit/transcriptCues.test.ts).

/**
 * The cue being said at `seconds`: the last one that has started and not ended, or -1 in a gap.
 * WebVTT puts cues in order of their start, so a binary search finds the last started.
 */
export function cueIndexAt(cues, seconds) {
  let low = 0;
  let high = cues.length - 1;
  let started = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (cues[middle].start <= seconds) {
      started = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  // Cues may overlap: an earlier one that is still being said counts when the latest has ended.
  for (let index = started; index >= 0; index--) if (seconds < cues[index].end) return index;
  return -1;
}

const MARKS = /\p{M}/gu;

/** Text as search compares it: lower case, accents and other marks taken off (so "cafe" finds "café", "ll" finds "Ll"). */
export function searchable(text) {
  return String(text ?? '')
    .normalize('NFD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

/**
 * Where `query` occurs in `text`, as [start, end) ranges of `text` itself, found the way `searchable`
 * compares: each character of `text` is folded alone, so a range maps back to the characters it came from.
 */
export function matchRanges(text, query) {
  const wanted = searchable(query).trim();
  if (!wanted) return [];
  let folded = '';
  const origin = [];
  for (let index = 0; index < text.length; ) {
    const character = String.fromCodePoint(text.codePointAt(index));
    for (const unit of searchable(character)) {
      folded += unit;
      origin.push(index);
    }
    index += character.length;
  }
  origin.push(text.length);
  const ranges = [];
  // A range ends where the next folded character starts, so marks that fold to nothing stay inside it.
  for (let at = folded.indexOf(wanted); at !== -1; at = folded.indexOf(wanted, at + wanted.length)) ranges.push([origin[at], origin[at + wanted.length]]);
  return ranges;
}

/** The indexes of the cues whose text holds `query`, in order. */
export function matchingCues(cues, query) {
  return cues.flatMap((cue, index) => (matchRanges(cue.text, query).length > 0 ? [index] : []));
}
