import { demoAudio as synthesise } from '../../server/demoAudio';
import { demoAudio } from '../support/demoAudio';

test("the suite's cached demo audio is the generator's, byte for byte, and each caller gets a copy of its own", () => {
  const made = synthesise(2.5, 8_000);
  const first = demoAudio(2.5, 8_000);
  expect(first.equals(made)).toBe(true);
  first.fill(0);
  expect(demoAudio(2.5, 8_000).equals(made)).toBe(true);
});
