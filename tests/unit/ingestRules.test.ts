import { uploadRoom } from '../../server/api/uploadRoom';
import { sizeAgreesWithHeader } from '../../server/policy/audioSize';

describe('the upload room', () => {
  test('has as many slots as fit its bytes, and gives one provider at most half of them', () => {
    const room = uploadRoom({ capacityBytes: 64, bytesPerUpload: 15 });
    expect([room.slots, room.perProvider]).toEqual([4, 2]);
    const slow = [room.admit('slow'), room.admit('slow')];
    expect(slow.every(Boolean)).toBe(true);
    expect(room.admit('slow')).toBeUndefined();
    const others = [room.admit('a'), room.admit('b')];
    expect(others.every(Boolean)).toBe(true);
    expect(room.admit('c')).toBeUndefined(); // the room is full

    // A slot given back twice is given back once.
    slow[0]!.release();
    slow[0]!.release();
    expect(room.admit('c')).toBeDefined();
    expect(room.admit('c')).toBeUndefined();
    expect(room.admit('slow')).toBeUndefined();
  });
});

describe('whether a file holds what its header states', () => {
  const wavHead = (dataBytes: number) => {
    const head = Buffer.alloc(44);
    head.write('RIFF', 0, 'latin1');
    head.write('WAVEfmt ', 8, 'latin1');
    head.writeUInt32LE(16, 16);
    head.write('data', 36, 'latin1');
    head.writeUInt32LE(dataBytes, 40);
    return head;
  };
  const parsed = { durationSeconds: 1, bitrate: 256_000 };

  test('a WAV holding exactly its data chunk passes; one byte fewer is truncated', () => {
    expect(sizeAgreesWithHeader('wav', wavHead(32_000), parsed, 32_044)).toEqual({ ok: true });
    expect(sizeAgreesWithHeader('wav', wavHead(32_000), parsed, 32_043)).toEqual({
      ok: false,
      reason: 'the WAV file is truncated: its data chunk states 32000 bytes of audio, so at least 32044 bytes in all, but the file holds 32043',
    });
  });

  test('a file with no duration is refused, and an OGG (which states no length up front) is judged by its duration alone', () => {
    expect(sizeAgreesWithHeader('ogg', Buffer.from('OggS'), { durationSeconds: undefined, bitrate: undefined }, 1000)).toMatchObject({ ok: false, reason: expect.stringMatching(/states no duration/) });
    expect(sizeAgreesWithHeader('ogg', Buffer.from('OggS'), { durationSeconds: 3, bitrate: 1_000_000 }, 10)).toEqual({ ok: true });
  });
});
