import type { DownloadFile } from '../security/downloadTickets';
import type { RecordingRow } from '../store/recordingStore';

/** An object the portal streams to the claimant, with the headers it is sent under. */
export interface AudioSource {
  key: string;
  contentType: string;
  sizeBytes: number;
  /** A strong validator: Range requests with an If-Range naming another are answered whole. */
  etag: string;
  disposition: 'inline' | 'attachment';
  fileName: string;
}

const isoDate = (iso: string) => iso.slice(0, 10);

/** Whether the recording's listening copy (a smaller M4A every phone plays) is in the bucket. */
export const hasListeningCopy = (recording: RecordingRow): boolean =>
  recording.listening_status === 'made' && Boolean(recording.listening_object_key && recording.listening_sha256);

/** The file a download form asks for: the original unless it names the listening copy. */
export function downloadFileAsked(recording: RecordingRow, input: unknown): DownloadFile | undefined {
  if (input === undefined || input === 'original') return 'original';
  if (input === 'listening' && hasListeningCopy(recording)) return 'listening';
  return undefined;
}

/** The bucket key of the file a download names. */
export const downloadFileKey = (recording: RecordingRow, file: DownloadFile): string =>
  file === 'listening' ? recording.listening_object_key! : recording.object_key;

export function downloadFileName(recording: RecordingRow): string {
  const extension = recording.object_key.split('.').pop();
  return `assessment-recording-${isoDate(recording.recorded_at)}.${extension}`;
}

export const audioSource = (recording: RecordingRow, file: DownloadFile, disposition: AudioSource['disposition'], etag: string): AudioSource =>
  file === 'listening'
    ? {
        key: recording.listening_object_key!,
        contentType: recording.listening_content_type!,
        sizeBytes: recording.listening_size_bytes!,
        etag,
        disposition,
        fileName: `assessment-recording-${isoDate(recording.recorded_at)}-phone.${recording.listening_object_key!.split('.').pop()}`,
      }
    : { key: recording.object_key, contentType: recording.content_type, sizeBytes: recording.size_bytes, etag, disposition, fileName: downloadFileName(recording) };

/**
 * The file a page's player is given, named in its address (`/listen/original`, `/listen/copy`) so
 * that a listening copy finished mid-listen never changes the bytes under an open player: the page
 * keeps the file it started with, and the copy is offered from the next page load.
 */
export type ListenFile = 'original' | 'copy';
const LISTEN_FILES: Record<ListenFile, DownloadFile> = { original: 'original', copy: 'listening' };

/** What the page offers now: the listening copy where there is one (it plays on every phone and costs less data). */
export const listenFileOffered = (recording: RecordingRow): ListenFile => (hasListeningCopy(recording) ? 'copy' : 'original');

/** The file an address names, if the recording has it; `undefined` asks for the one offered now (the address before files were named). */
export function listenFileAsked(recording: RecordingRow, input: unknown): ListenFile | undefined {
  if (input === undefined) return listenFileOffered(recording);
  if (input === 'original') return 'original';
  if (input === 'copy' && hasListeningCopy(recording)) return 'copy';
  return undefined;
}

/** What the in-page player streams of a file, under a strong ETag of its own (its SHA-256). */
export function listenSource(recording: RecordingRow, file: ListenFile): AudioSource {
  const downloadFile = LISTEN_FILES[file];
  return audioSource(recording, downloadFile, 'inline', `"${downloadFile === 'listening' ? recording.listening_sha256 : recording.sha256}"`);
}
